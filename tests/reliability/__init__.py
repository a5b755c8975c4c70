"""The reliability suite: load, limits, crashes, fuzzing, secrets, safe defaults, stack faults."""
