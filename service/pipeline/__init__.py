"""The /process pipeline: composition, access, execution, actions, matrix, schema checks."""
