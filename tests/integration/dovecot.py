"""A private Dovecot for tests and the benchmark: its own config, passwd-file and maildir.

Why a real server: IMAP behaviour that matters here (UIDNEXT, UIDVALIDITY on a recreated
folder, `n:*` ranges, IDLE, \\Seen under BODY.PEEK) is exactly what mocks get wrong.

The instance never touches the system configuration: `base_dir`, `state_dir` and
`instance_name` are private, so several can run side by side; it listens on 127.0.0.1 only.
Plain IMAP (STARTTLS offered) and IMAPS share one self-signed certificate for 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = Path("/usr/sbin/dovecot")
DOVEADM = Path("/usr/bin/doveadm")
MAIL_UID = 65534  # `nobody`: Dovecot refuses mail owned by root
USER = "noivu"
PASSWORD = "mat-khau-thu"  # a test password for a throw-away server, not a secret


def available() -> str | None:
    """None when Dovecot can run here, else the reason to skip."""
    if not DOVECOT.exists() or not DOVEADM.exists():
        return "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.geteuid() != 0:
        return "the private Dovecot fixture needs root (it drops to the mail uid itself)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class Dovecot:
    """One private Dovecot instance in a temporary folder.

    `start()` writes the config and runs `dovecot -c`; `stop()` runs `doveadm -c … stop`;
    `restart()` keeps the mail (the same ports), as a real server restart would.
    """

    def __init__(
        self, root: Path | None = None, *, users: Sequence[tuple[str, str]] = ((USER, PASSWORD),)
    ) -> None:
        self.root = Path(root or tempfile.mkdtemp(prefix="cchc-dovecot-"))
        self.users = list(users)
        self.port = _free_port()
        self.ssl_port = _free_port()
        self.conf = self.root / "dovecot.conf"
        self.cert = self.root / "cert.pem"
        self.running = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Dovecot:
        if not self.conf.exists():
            self._write_config()
        # Not capture_output: the daemon's children would inherit the pipe and hold it open.
        with open(self.root / "start.err", "wb") as err:
            done = subprocess.run(
                [str(DOVECOT), "-c", str(self.conf)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                check=False,
            )
        if done.returncode:
            raise RuntimeError(f"dovecot did not start: {(self.root / 'start.err').read_text()}")
        self.running = True
        _wait_port(self.port)
        _wait_port(self.ssl_port)
        return self

    def stop(self) -> None:
        """Stop the whole instance at once, client sessions included, as a crash would.

        `doveadm stop` takes ~2.5 s and leaves running sessions serving their clients; tests
        need "the server is gone". The processes killed are only this instance's: the
        master we started (by its pid file) and the processes titled with our instance name.
        """
        # Whatever `running` says: a start that failed half-way may have left a master behind.
        for pid in self._instance_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self._instance_pids() and time.monotonic() < deadline:
            time.sleep(0.01)
        # The master may linger as a zombie (no reaping init in containers); its pid file
        # would make the next start say "already running".
        (self.root / "run" / "master.pid").unlink(missing_ok=True)
        self.running = False

    def _instance_pids(self) -> list[int]:
        pids: set[int] = set()
        pidfile = self.root / "run" / "master.pid"
        with contextlib.suppress(OSError, ValueError):
            pids.add(int(pidfile.read_text().split()[0]))
        marker = f"dovecot-cchc-test-{self.port}/".encode()
        conf = str(self.conf).encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(marker) or (b"dovecot" in cmdline and conf in cmdline):
                pids.add(int(entry.name))
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            if Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z":
                alive.append(pid)
        return alive

    def kill_connections(self) -> None:
        """Drop every client connection, as a server crash would, without stopping."""
        subprocess.run(
            [str(DOVEADM), "-c", str(self.conf), "kick", USER],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- configuration ---------------------------------------------------------------------

    def _write_config(self) -> None:
        root = self.root
        os.chmod(root, 0o755)  # the mail uid must traverse it
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir(exist_ok=True)
        os.chown(root / "mail", MAIL_UID, MAIL_UID)
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(root / "key.pem"),
                "-out",
                str(self.cert),
            ],
            check=True,
            capture_output=True,
        )
        lines = [
            f"{name}:{{PLAIN}}{password}:{MAIL_UID}:{MAIL_UID}::{root}/mail/{name}::"
            for name, password in self.users
        ]
        (root / "passwd").write_text("\n".join(lines) + "\n")
        self.conf.write_text(f"""\
base_dir = {root}/run
state_dir = {root}/state
instance_name = cchc-test-{self.port}
protocols = imap
listen = 127.0.0.1
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
auth_failure_delay = 0
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u/Maildir
mail_fsync = never
default_internal_user = dovecot
default_login_user = dovenull
imap_idle_notify_interval = 2 mins
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this instance's self-signed certificate."""
        ctx = ssl.create_default_context(cafile=str(self.cert))
        return ctx

    # -- helpers for tests -----------------------------------------------------------------

    @contextlib.contextmanager
    def client(self, user: str = USER, password: str = PASSWORD) -> Iterator[IMAPClient]:
        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        try:
            c.login(user, password)
            yield c
        finally:
            with contextlib.suppress(Exception):
                c.logout()

    def append(
        self,
        folder: str,
        messages: Iterable[tuple[bytes, datetime | None]],
        *,
        flags: Sequence[str] = (),
        chunk: int = 50,
    ) -> int:
        """APPEND messages with their INTERNALDATE; MULTIAPPEND in chunks (2.5× faster)."""
        count = 0
        with self.client() as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            batch: list[dict[str, object]] = []
            for raw, when in messages:
                item: dict[str, object] = {"msg": raw, "flags": list(flags)}
                if when is not None:
                    item["date"] = when
                batch.append(item)
                if len(batch) >= chunk:
                    c.multiappend(folder, batch)
                    count += len(batch)
                    batch = []
            if batch:
                c.multiappend(folder, batch)
                count += len(batch)
        return count

    def recreate_folder(self, folder: str) -> None:
        """DELETE and CREATE the folder, keeping its messages: a new UIDVALIDITY, new UIDs."""
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            data = c.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE", "FLAGS"]) if uids else {}
            c.unselect_folder() if b"UNSELECT" in c.capabilities() else c.close_folder()
            c.delete_folder(folder)
            c.create_folder(folder)
            for uid in sorted(data):
                item = data[uid]
                flags = [
                    f.decode() if isinstance(f, bytes) else f
                    for f in item[b"FLAGS"]
                    if f != b"\\Recent"
                ]
                c.append(folder, item[b"BODY[]"], flags=flags, msg_time=item[b"INTERNALDATE"])
