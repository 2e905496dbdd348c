"""Email over SMTP (stdlib ``smtplib``): STARTTLS, implicit TLS or plain, optional AUTH.

Failures become :class:`NotifyError`: connection problems, timeouts and 4xx replies are
``recoverable`` (retry with backoff); 5xx replies (authentication refused, recipient rejected,
message refused) are not. The password is passed in by the caller (read from the environment)
and never appears in an error message or a log line.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

from monitor.config.digest import SmtpConfig
from monitor.errors import NotifyError, redact, register_secret

log = logging.getLogger("brand_scout.email")


def _reply_error(code: int, what: str, reply: bytes | str) -> NotifyError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    recoverable = 400 <= code < 500
    return NotifyError(f"SMTP {what} refused: {code} {redact(text)[:300]}", recoverable=recoverable)


class SmtpSender:
    """Sends one :class:`EmailMessage` per call over a fresh SMTP connection."""

    name = "email"

    def __init__(self, cfg: SmtpConfig, password: str | None = None,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.cfg = cfg
        self._password = password
        self._ssl = ssl_context
        if password:
            register_secret(password)

    def __repr__(self) -> str:  # never show the password
        return f"SmtpSender({self.cfg.host}:{self.cfg.port}, {self.cfg.security})"

    def _connect(self) -> smtplib.SMTP:
        cfg = self.cfg
        ctx = self._ssl or ssl.create_default_context(cafile=cfg.ca_file)
        smtp: smtplib.SMTP
        if cfg.security == "tls":
            smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=ctx)
        else:
            smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            smtp.ehlo()
            if cfg.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise NotifyError(f"SMTP server {cfg.host}:{cfg.port} does not offer STARTTLS",
                                      recoverable=False)
                smtp.starttls(context=ctx)
                smtp.ehlo()
            if cfg.username:
                if not self._password:
                    raise NotifyError(f"SMTP username set but no password in ${cfg.password_env}",
                                      recoverable=False)
                if not smtp.has_extn("auth"):
                    # not a network hiccup: retrying cannot help, the settings must change
                    raise NotifyError(
                        f"SMTP server {cfg.host}:{cfg.port} offers no AUTH"
                        + (" before TLS: set security: starttls or tls" if cfg.security == "none"
                           else ": remove username (and password_env) if it needs no login"),
                        recoverable=False)
                smtp.login(cfg.username, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, msg: EmailMessage, to: list[str], *, accepted: Callable[[], None] | None = None) -> str:
        """Deliver ``msg`` to ``to`` (the envelope recipients); returns its Message-ID.

        ``accepted`` is called as soon as the server has replied 250 to the DATA, before the QUIT
        exchange: a caller that records "sent" there leaves the shortest window in which a crash
        makes it send the message again. An exception it raises propagates unchanged.

        Raises:
            NotifyError: ``recoverable`` for connection errors, timeouts and 4xx replies.
        """
        cfg = self.cfg
        where = f"{cfg.host}:{cfg.port}"
        try:
            smtp = self._connect()
            try:
                refused = smtp.send_message(msg, to_addrs=to)
                if accepted is not None:
                    accepted()
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except NotifyError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise NotifyError(f"SMTP authentication as {cfg.username!r} at {where} refused: {exc.smtp_code}",
                              recoverable=400 <= exc.smtp_code < 500) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            recoverable = all(400 <= c < 500 for c in codes)
            raise NotifyError(f"SMTP {where} refused every recipient: {codes}", recoverable=recoverable) from None
        except smtplib.SMTPSenderRefused as exc:
            raise _reply_error(exc.smtp_code, "sender", exc.smtp_error) from None
        except smtplib.SMTPDataError as exc:
            raise _reply_error(exc.smtp_code, "message", exc.smtp_error) from None
        except smtplib.SMTPResponseException as exc:
            raise _reply_error(exc.smtp_code, "command", exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, TLS failure
            raise NotifyError(f"SMTP {where} unreachable: {type(exc).__name__}: {redact(str(exc))[:200]}",
                              recoverable=True) from None
        if refused:
            log.warning("SMTP %s refused some recipients: %s", where, sorted(refused))
        return str(msg.get("Message-ID", ""))
