"""HTTPS, cookies, HSTS, the proxy header and the Content-Security-Policy, from the environment (issue 18,
finding 7)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import vicinato

PROJECT_DIR = Path(vicinato.__file__).resolve().parents[2]
TEMPLATES = Path(vicinato.__file__).parent / "templates"


def documented_production() -> dict[str, str]:
    """The README's production environment, with a random key where it says how to make one."""
    text = (PROJECT_DIR / "README.md").read_text()
    block = re.search(r"```sh\n# production environment\n(.*?)```", text, re.S)
    assert block, "the README's Configuration section documents a production environment"
    env = {}
    for line in block.group(1).splitlines():
        name, _, value = line.partition("=")
        env[name.strip()] = value.strip()
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def run(code: str, tmp_path, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "HTTPS", "SESSION_", "CSRF_", "DJANGO_SETTINGS", "VICINATO_TEST_NOW"))
        # The browser tests' sync Playwright sets DJANGO_ALLOW_ASYNC_UNSAFE in this process: not a deployment's.
        and k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "MAP_TILE_URL",
        }
    }
    environment = {
        **base,
        "VICINATO_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "vicinato.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=180
    )


def test_check_deploy_with_the_documented_production_environment_gives_no_warning(tmp_path):
    env = documented_production()
    # The check needs no database: the embedded one stands in for the documented server.
    env.pop("DATABASE_URL")
    code = (
        "import sys; from vicinato.manage import main; "
        "sys.argv = ['vicinato', 'check', '--deploy', '--fail-level', 'WARNING']; main()"
    )
    result = run(code, tmp_path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_https_turns_on_redirect_secure_cookies_hsts_and_the_proxy_header(tmp_path):
    names = [
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = f"import json; from django.conf import settings; print(json.dumps([getattr(settings, n) for n in {names!r}]))"
    key = secrets.token_urlsafe(50)
    on = run(
        code,
        tmp_path,
        {"SECRET_KEY": key, "HTTPS": "1", "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https"},
    )
    assert json.loads(on.stdout) == [
        True,
        True,
        True,
        31536000,
        True,
        True,
        ["HTTP_X_FORWARDED_PROTO", "https"],
    ]
    off = run(code, tmp_path, {"SECRET_KEY": key})
    assert json.loads(off.stdout) == [False, False, False, 0, False, False, None]
    one = run(
        code,
        tmp_path,
        {"SECRET_KEY": key, "HTTPS": "1", "SECURE_HSTS_SECONDS": "60", "SECURE_HSTS_PRELOAD": "0"},
    )
    assert json.loads(one.stdout)[3:6] == [60, True, False]
    bad = run(
        "import django; django.setup()", tmp_path, {"SECRET_KEY": key, "SECURE_PROXY_SSL_HEADER": "https"}
    )
    assert bad.returncode != 0 and "X-Forwarded-Proto: https" in bad.stderr


@pytest.mark.django_db
def test_https_requests_are_redirected_and_answer_hsts(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    plain = client.get("/en/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = client.get("/en/", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"].startswith("max-age=31536000")


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/en/", "/", "/api/v1/docs"])
def test_pages_and_api_docs_carry_a_strict_content_security_policy(settings, path):
    answer = Client().get(path)
    assert answer.status_code == 200
    directives = policy(answer)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]  # no inline style either (issue 18)
    assert "'unsafe-inline'" not in answer["Content-Security-Policy"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "https://tile.openstreetmap.org" in directives["img-src"]


def test_the_tile_servers_origin_is_allowed_for_images():
    from vicinato.settings import tile_source

    assert tile_source("https://{s}.tiles.example.it/{z}/{x}/{y}.png") == ["https://*.tiles.example.it"]
    assert tile_source("/static/tiles/{z}/{x}/{y}.png") == []


def test_no_template_has_an_inline_script():
    """The policy allows scripts from the site's files only: a <script> in a template must have a src (or be
    data, as JSON)."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
            if "src=" not in tag and "application/json" not in tag and "application/ld+json" not in tag:
                offenders.append(f"{template.relative_to(TEMPLATES)}: {tag}")
    assert offenders == []


@pytest.mark.parametrize(
    ("debug", "tiles"), [("0", ""), ("1", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")]
)
def test_production_sends_no_visitor_to_a_third_party_tile_server_by_default(tmp_path, debug, tiles):
    """Without MAP_TILE_URL, production shows the shipped vector layers only (no tile server, none in img-src);
    development keeps OpenStreetMap's tiles."""
    env = {**documented_production(), "DEBUG": debug}
    env.pop("DATABASE_URL")
    code = (
        "import json; from django.conf import settings; import django; django.setup(); "
        "print(json.dumps([settings.MAP_TILE_URL, settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']]))"
    )
    answer = run(code, tmp_path, env)  # run() leaves MAP_TILE_URL out of this process's environment
    assert answer.returncode == 0, answer.stderr
    url, images = json.loads(answer.stdout.strip().splitlines()[-1])
    assert url == tiles
    assert any("openstreetmap" in source for source in images) is bool(tiles)
