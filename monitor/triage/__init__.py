"""Stage 2: stored mentions are classified, decided, grouped and queued; periodic ladder and spike jobs."""
