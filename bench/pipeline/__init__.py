"""The pipeline benchmark: ``python -m bench.pipeline.run [--quick] [--json OUT]``."""
