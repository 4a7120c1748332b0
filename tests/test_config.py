"""sitegen.toml: typed values, precise errors, unknown keys as warnings (fatal with --strict)."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from sitegen.cli import main
from sitegen.config import load_config
from sitegen.errors import ConfigError

PAGE = "---\ntitle: Home\n---\nHello.\n"


def site(make_site, toml: str) -> Path:
    return make_site({"sitegen.toml": toml, "content/index.md": PAGE})


def test_values_are_typed_and_defaulted(make_site):
    root = site(make_site, 'title = "Digits"\nbase_url = "https://example.org/ml/"\n[theme]\ndark_mode = "dark"\n')
    config, warnings = load_config(root)
    assert warnings == []
    assert config.title == "Digits"
    assert config.theme.dark_mode == "dark"
    assert config.theme.accent == "#2f6fde"
    assert config.output_dir == root.resolve() / "_site"
    assert config.content_dir == root.resolve() / "content"
    assert config.datasets == {} and config.models == {}


def test_wrong_type_names_file_key_expected_and_found(make_site):
    root = site(make_site, 'title = 42\n')
    with pytest.raises(ConfigError) as err:
        load_config(root)
    assert str(err.value) == (f"{root / 'sitegen.toml'}: Config value 'title': expected a string, "
                              "got 42 (an integer)")


def test_nested_wrong_value(make_site):
    root = site(make_site, 'title = "x"\n[theme]\ndark_mode = "sepia"\n')
    with pytest.raises(ConfigError, match=r"Config value 'theme.dark_mode': expected a string matching "
                                          r"auto\|light\|dark, got 'sepia' \(a string\)"):
        load_config(root)


def test_missing_required_key(make_site):
    root = site(make_site, 'description = "no title"\n')
    with pytest.raises(ConfigError, match=r"Config value 'title': expected a string, got nothing \(the key is missing\)"):
        load_config(root)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match=r"sitegen.toml: no sitegen.toml here \(run 'sitegen new DIR'"):
        load_config(tmp_path)


def test_invalid_toml_reports_line(make_site):
    root = site(make_site, 'title = "x"\nthis is not toml\n')
    with pytest.raises(ConfigError, match=r"sitegen.toml: not valid TOML: .*line 2"):
        load_config(root)


def test_unknown_key_is_a_warning(make_site):
    root = site(make_site, 'title = "x"\ntitel = "typo"\n[theme]\ncolour = "red"\n')
    _, warnings = load_config(root)
    assert warnings == [f"{root / 'sitegen.toml'}: unknown key 'titel' (ignored)",
                        f"{root / 'sitegen.toml'}: unknown key 'theme.colour' (ignored)"]


def test_cli_unknown_key_warns_and_builds_but_strict_fails(make_site):
    root = site(make_site, 'title = "x"\ntitel = "typo"\n')
    runner = CliRunner()
    ok = runner.invoke(main, ["build", str(root), "--no-progress"])
    assert ok.exit_code == 0, ok.output
    assert "unknown key 'titel'" in ok.output
    assert (root / "_site" / "index.html").is_file()

    (root / "_site" / "index.html").write_text("previous output")
    strict = runner.invoke(main, ["build", str(root), "--strict", "--no-progress"])
    assert strict.exit_code == 1
    last = strict.output.strip().splitlines()[-1]
    assert last.startswith("error: 1 warning(s) and --strict is on; first:")
    assert "unknown key 'titel'" in last
    assert (root / "_site" / "index.html").read_text() == "previous output"


def test_cli_error_is_one_line_and_exit_code_1(make_site):
    root = site(make_site, 'title = ["not", "a", "string"]\n')
    result = CliRunner().invoke(main, ["build", str(root)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "Config value 'title': expected a string, got ['not', 'a', 'string'] (an array)" in lines[0]
