"""The assets phase: npm missing, and the stable module names."""

import pytest

from sitegen import assets
from sitegen.errors import SitegenError


def test_missing_npm_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("SITEGEN_CACHE", str(tmp_path))
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    with pytest.raises(SitegenError, match=r"npm was not found: .*Install Node.js 18\+ and npm "
                                           r"\(Debian/Ubuntu: apt-get install nodejs npm"):
        assets.ensure_node_modules(ctx=None)


def test_fingerprint_names_carry_the_content_hash():
    assert assets.fingerprint("style.css", b"body{}") == "style-" + assets.hashlib.sha256(b"body{}").hexdigest()[:10] + ".css"
