"""brand-scout: brand-mention monitoring and escalation.

Entry points: the ``scout`` command line (:mod:`monitor.cli`), the composition root
(:func:`monitor.app.bootstrap.build`), the configuration (:func:`monitor.config.load_config`).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
