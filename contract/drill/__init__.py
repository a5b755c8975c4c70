"""The fire drill: every catalog alert driven by a real condition, to its receiver and back."""
