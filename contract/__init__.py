"""Contract harness: start the real stack from the generated artifacts and prove it live."""
