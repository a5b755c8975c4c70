"""The same gated pipeline on FastAPI + uvicorn, written as a strong FastAPI user would."""
