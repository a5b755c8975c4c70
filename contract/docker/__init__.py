"""The docker runtime: the contract stack as containers on a private network, via the docker SDK."""
