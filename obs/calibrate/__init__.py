"""`python -m obs calibrate`: thresholds from a measured load baseline, not from guesses.

A bounded, paced load in steps up to saturation (load.py), measured per step from the
backend's own histogram and counters (exposition.py, measure.py), written as a committed
baseline (baseline.py) and turned into proposed thresholds, each with the rule that made
it (rules.py), shown as a catalog diff applied only with --apply (catalog_edit.py).
"""
