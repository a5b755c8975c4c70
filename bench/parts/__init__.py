"""The parts of a benchmark run; each measures one thing and returns a PartResult."""
