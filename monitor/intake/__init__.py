"""Stage 1: a source is polled, or a scout forwards a link, and mentions are stored."""
