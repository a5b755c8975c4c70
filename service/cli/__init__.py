"""The command line: argument parsing in main.py, one module per command group."""
