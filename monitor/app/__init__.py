"""The composition root, the stages the worker runs, the service and the scheduler."""
