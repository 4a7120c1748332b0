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


def test_same_site_gives_the_same_bytes_from_anywhere(tmp_path, monkeypatch, npm_available):
    """Another working directory and another cache folder (npm packages, bundles): every file
    of the output, esbuild's hashed names included, is the same."""
    import io

    from rich.console import Console

    from sitegen.build import build

    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "sitegen.toml").write_text('title = "Same"\n')
    (site / "content" / "index.md").write_text("---\ntitle: Home\n---\nHello.\n")
    outputs = []
    for run, cwd in (("a", tmp_path), ("b", site / "content")):
        monkeypatch.setenv("SITEGEN_CACHE", str(tmp_path / f"cache-{run}"))
        monkeypatch.chdir(cwd)
        out = build(site, tmp_path / f"out-{run}", console=Console(file=io.StringIO()), progress=False).output_dir
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0].keys() == outputs[1].keys()
    assert [name for name in outputs[0] if outputs[0][name] != outputs[1][name]] == []
    assert any(name.startswith("assets/page-") for name in outputs[0])
