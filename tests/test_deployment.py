"""The deployment files: docker-compose.yml, deploy/nginx.conf, the Dockerfile and their docs.

No Docker engine is needed: `docker compose config` only reads and validates the file, and nginx
checks and serves its configuration on local ports. Missing tools fail the tests with the command
that installs them; they are never skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from websockets.sync.client import connect
from websockets.sync.server import serve

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"

INSTALL_COMPOSE = "apt-get install --no-install-recommends docker-compose"
INSTALL_NGINX = "apt-get install nginx-light"

# The variables docker-compose.yml requires; the tests supply throwaway values.
REQUIRED = {"SECRET_KEY": "compose-test-secret-key", "POSTGRES_PASSWORD": "compose-test-password"}

# Settings whose environment variables the compose file passes through to the application when
# the operator sets them, with a value for each that differs from the settings default.
PASSED_THROUGH = {
    "ALLOWED_HOSTS": "meetings.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://meetings.example.org",
    "SITE_URL": "https://meetings.example.org",
    "SECURE_COOKIES": "0",
    "DATABASE_POOL_SIZE": "30",
    "LANGUAGE_CODE": "vi",
    "TIME_ZONE": "UTC",
    "CHECK_IN_OPENS_HOURS": "5",
    "OFFLINE_HOURS": "24",
    "DATA_UPLOAD_MAX_MEMORY_SIZE": "5242880",
    "LOG_LEVEL": "WARNING",
    "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    "EMAIL_HOST": "smtp.example.org",
    "EMAIL_PORT": "587",
    "EMAIL_HOST_USER": "mailer",
    "EMAIL_HOST_PASSWORD": "mail-secret",
    "EMAIL_USE_TLS": "1",
    "DEFAULT_FROM_EMAIL": "secretariat@example.org",
}
# Fixed by the image (VAR_DIR=/app/var, media on its volume) or by the compose file itself.
NOT_PASSED_THROUGH = {"VAR_DIR", "MEDIA_ROOT", "DEBUG", "SERVE_STATIC", "DATABASE_URL", "REDIS_URL"}


def settings_environment_variables() -> set[str]:
    """Every environment variable config/settings.py reads."""
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'(?:os\.environ\.get|env_bool|env_list)\(\s*"([A-Z0-9_]+)"', source))


# --- docker compose ----------------------------------------------------------------------------


def compose_command() -> list[str]:
    """`docker compose` (the v2 plugin) if the client has it, else the standalone docker-compose."""
    if shutil.which("docker"):
        plugin = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if plugin.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail(
        "Docker Compose is not installed (neither `docker compose` nor `docker-compose`).\n"
        f"Install it with: {INSTALL_COMPOSE}",
        pytrace=False,
    )


def run_compose_config(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # An empty env file, so that an operator's .env next to docker-compose.yml cannot interfere.
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    return subprocess.run(
        [*compose_command(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """docker-compose.yml as `docker compose config` resolves it, with every variable set."""
    result = run_compose_config(tmp_path_factory.mktemp("compose"), {**REQUIRED, **PASSED_THROUGH})
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def uses_app_image(service: dict[str, Any]) -> bool:
    return "build" in service


def command_of(service: dict[str, Any]) -> str:
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else command


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def test_compose_requires_secrets(tmp_path: Path) -> None:
    for missing in REQUIRED:
        env = {name: value for name, value in REQUIRED.items() if name != missing}
        result = run_compose_config(tmp_path, env)
        assert result.returncode != 0, f"docker compose config accepted a missing {missing}"
        assert missing in result.stderr


def test_compose_runs_the_whole_stack(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "app", "nginx"} <= services.keys()
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["nginx"]["image"].startswith("nginx")


def test_compose_runs_several_server_replicas(compose: dict[str, Any]) -> None:
    replicas = sum(
        int(service.get("deploy", {}).get("replicas", 1))
        for service in compose["services"].values()
        if uses_app_image(service) and "-m realtime.server" in command_of(service)
    )
    assert replicas >= 2


def test_compose_replicas_trust_the_forwarded_headers_of_nginx(compose: dict[str, Any]) -> None:
    command = command_of(compose["services"]["app"])
    assert "--proxy-headers" in command
    # nginx is another container: its address is not uvicorn's default trusted 127.0.0.1.
    assert "--forwarded-allow-ips=*" in command


def test_compose_application_environment(compose: dict[str, Any]) -> None:
    environment = compose["services"]["app"]["environment"]
    assert environment["SECRET_KEY"] == REQUIRED["SECRET_KEY"]
    assert environment["DEBUG"] == "0"
    assert environment["SERVE_STATIC"] == "0"
    password = REQUIRED["POSTGRES_PASSWORD"]
    assert environment["DATABASE_URL"] == f"postgres://meetings:{password}@postgres:5432/meetings"
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    postgres = compose["services"]["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"] == password
    for name, value in PASSED_THROUGH.items():
        assert environment.get(name) == value, f"{name} does not reach the application"
    # The migrations run with the same settings as the replicas.
    assert compose["services"]["migrate"]["environment"] == environment


def test_every_setting_can_be_set_in_compose(compose: dict[str, Any]) -> None:
    environment = compose["services"]["app"]["environment"]
    missing = settings_environment_variables() - NOT_PASSED_THROUGH - environment.keys()
    assert not missing, (
        f"config/settings.py reads {sorted(missing)}: pass them in docker-compose.yml"
    )


def test_compose_start_order_waits_for_health_and_migrations(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("postgres", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert "migrate" in command_of(services["migrate"])
    assert depends_on(services["migrate"]) == {"postgres": "service_healthy"}
    assert depends_on(services["app"]) == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    assert depends_on(services["nginx"]).get("app") in {"service_started", "service_healthy"}


def test_compose_nginx_publishes_port_80_and_serves_static_from_the_image(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    nginx = services["nginx"]
    assert any(
        str(port["target"]) == "80" and str(port["published"]) == "80" for port in nginx["ports"]
    )

    def mounts(service: dict[str, Any]) -> dict[str, str]:
        found = {}
        for volume in service.get("volumes", []):
            if isinstance(volume, str):
                source, target = volume.split(":")[:2]
            else:
                source, target = volume["source"], volume["target"]
            found[target] = source
        return found

    nginx_mounts = mounts(nginx)
    assert Path(nginx_mounts["/etc/nginx/nginx.conf"]) == NGINX_CONF
    static_volume = nginx_mounts["/srv/static"]
    assert static_volume in compose["volumes"]
    fillers = [
        name
        for name, service in services.items()
        if uses_app_image(service) and mounts(service).get("/srv/static") == static_volume
    ]
    assert fillers, "no service fills the static volume from the application image"
    assert all(depends_on(nginx).get(name) == "service_completed_successfully" for name in fillers)


# --- nginx -------------------------------------------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))
    if not found:
        pytest.fail(f"nginx is not installed.\nInstall it with: {INSTALL_NGINX}", pytrace=False)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_nginx_conf(tmp_path: Path, *, listen: int, upstream: int, static: Path) -> Path:
    """deploy/nginx.conf with the compose names and ports swapped for local ones, nothing else."""
    text = NGINX_CONF.read_text()
    for old, new in [
        ("server app:8000;", f"server 127.0.0.1:{upstream};"),
        ("listen 80 default_server;", f"listen 127.0.0.1:{listen} default_server;"),
        ("alias /srv/static/;", f"alias {static}/;"),
    ]:
        assert text.count(old) == 1, f"deploy/nginx.conf no longer contains {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    return path


def nginx_args(conf: Path, *directives: str) -> list[str]:
    """nginx on `conf`, its pid file beside it; as root, workers stay root to read tmp_path."""
    directives = (f"pid {conf.parent}/nginx.pid;", *directives)
    if os.geteuid() == 0:
        directives = (*directives, "user root;")
    return [nginx_binary(), "-e", "stderr", "-c", str(conf), "-g", " ".join(directives)]


def test_nginx_configuration_is_valid(tmp_path: Path) -> None:
    conf = local_nginx_conf(tmp_path, listen=free_port(), upstream=8000, static=tmp_path)
    result = subprocess.run([*nginx_args(conf), "-t"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_nginx_proxies_to_every_replica_in_the_upstream() -> None:
    text = NGINX_CONF.read_text()
    upstream = re.search(r"upstream (\w+) \{(.*?)\}", text, re.S)
    assert upstream, "deploy/nginx.conf has no upstream block"
    assert "server app:8000;" in upstream.group(2)
    assert text.count(f"proxy_pass http://{upstream.group(1)};") == 2


@pytest.fixture
def fake_replica() -> Iterator[tuple[int, list[dict[str, str]]]]:
    """A WebSocket echo server standing in for a replica; plain HTTP requests get 200 "page"."""
    seen: list[dict[str, str]] = []

    def process_request(connection: Any, request: Any) -> Any:
        seen.append({key.lower(): value for key, value in request.headers.raw_items()})
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return connection.respond(200, "page")
        return None

    def echo(websocket: Any) -> None:
        for message in websocket:
            websocket.send(message)

    port = free_port()
    with serve(echo, "127.0.0.1", port, process_request=process_request) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield port, seen
        server.shutdown()
    thread.join(timeout=5)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_nginx_serves_static_files_and_proxies_http_and_websockets(
    tmp_path: Path, fake_replica: tuple[int, list[dict[str, str]]]
) -> None:
    upstream, seen = fake_replica
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: black; }\n")
    (static / "vendor").mkdir()
    (static / "vendor" / "module.mjs").write_text("export const reader = 1;\n")
    listen = free_port()
    conf = local_nginx_conf(tmp_path, listen=listen, upstream=upstream, static=static)
    nginx = subprocess.Popen(
        nginx_args(conf, "daemon off;"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                break
            except OSError:
                if nginx.poll() is not None or time.monotonic() > deadline:
                    nginx.kill()
                    pytest.fail(f"nginx did not start: {nginx.communicate()[1]}")
                time.sleep(0.05)
        base = f"http://127.0.0.1:{listen}"

        with urllib.request.urlopen(f"{base}/static/css/site.css", timeout=5) as response:
            assert response.read() == b"body { color: black; }\n"
            assert response.headers["Content-Type"].startswith("text/css")
        with urllib.request.urlopen(f"{base}/static/vendor/module.mjs", timeout=5) as response:
            assert response.headers["Content-Type"].startswith("text/javascript")
        assert seen == [], "a static file request reached the application"

        request = urllib.request.Request(
            f"{base}/meetings/", headers={"Host": "meetings.example.org:8080"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.read() == b"page"
        headers = seen.pop()
        # The port stays: Django compares Host with the Origin of form posts.
        assert headers["host"] == "meetings.example.org:8080"
        assert headers["x-forwarded-proto"] == "http"
        assert headers["x-forwarded-for"] == "127.0.0.1"
        assert response.headers["Strict-Transport-Security"] is None

        # Behind a TLS proxy: the browser's https reaches the replica, with HSTS back to it...
        request = urllib.request.Request(
            f"{base}/meetings/", headers={"X-Forwarded-Proto": "https"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert seen.pop()["x-forwarded-proto"] == "https"
        # ...and plain http is sent to https without reaching it.
        request = urllib.request.Request(
            f"{base}/meetings/?page=2",
            headers={"X-Forwarded-Proto": "http", "Host": "meetings.example.org"},
        )
        with pytest.raises(urllib.error.HTTPError) as redirect:
            urllib.request.build_opener(NoRedirect).open(request, timeout=5)
        assert redirect.value.code == 308
        assert redirect.value.headers["Location"] == "https://meetings.example.org/meetings/?page=2"
        assert seen == []

        with connect(f"ws://127.0.0.1:{listen}/ws/meetings/1/?since=0", open_timeout=5) as ws:
            ws.send("ping")
            assert ws.recv(timeout=5) == "ping"
        headers = seen.pop()
        assert headers["upgrade"].lower() == "websocket"
        assert headers["connection"].lower() == "upgrade"
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def test_nginx_keeps_websockets_open_for_a_meeting() -> None:
    text = NGINX_CONF.read_text()
    block = re.search(r"location /ws/ \{(.*?)\}", text, re.S)
    assert block, "deploy/nginx.conf has no /ws/ location"
    timeout = re.search(r"proxy_read_timeout (\d+)([smh]?);", block.group(1))
    assert timeout, "the /ws/ location keeps nginx's 60 s read timeout"
    seconds = int(timeout.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[timeout.group(2)]
    assert seconds >= 3600


# --- image -------------------------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_server_image() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[0] == "FROM python:3.11-slim"
    text = "\n".join(lines)
    assert "pip install ." in text
    assert "collectstatic --noinput" in text
    assert "fonts-dejavu-core" in text
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert lines[-1].startswith("CMD ") and "config.asgi:application" in lines[-1]
    assert '"-m", "realtime.server"' in lines[-1]


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv", "var"} <= ignored


# --- documentation -----------------------------------------------------------------------------


def test_deployment_doc_lists_every_setting() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", DEPLOYMENT_DOC.read_text(), re.M))
    missing = settings_environment_variables() - documented
    assert not missing, f"config/settings.py reads {sorted(missing)}: document them"


def test_compose_runs_the_task_worker_as_its_own_checked_service(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    assert "qcluster" in command_of(worker)
    assert "worker_check" in " ".join(worker["healthcheck"]["test"])
    assert worker["environment"]["DATABASE_POOL_SIZE"] == "0"  # it forks its processes
    assert depends_on(worker)["migrate"] == "service_completed_successfully"
