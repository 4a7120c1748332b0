"""sitegen.toml: typed values, precise errors, unknown keys as warnings (fatal with --strict)."""

import json
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


def test_every_error_of_the_file_is_reported_together(make_site):
    root = site(make_site, '''title = 42
[theme]
dark_mode = "dim"
[datasets.a]
source = "idx"
images = "missing.idx"
labels = "missing-labels.idx"
[datasets.b]
source = "url"
url = "https://example.org/b.npy"
format = "npy"
sha256 = ["00", "11"]
[models.m]
dataset = "a"
epochs = 0
''')
    with pytest.raises(ConfigError) as err:
        load_config(root)
    lines = str(err.value).splitlines()
    assert lines[0] == "5 configuration errors:"
    found = "\n".join(lines[1:])
    for key in ("'title'", "'theme.dark_mode'", "'datasets.a.images'", "'datasets.b.sha256'", "'models.m.epochs'"):
        assert f"Config value {key}: expected" in found, found
    assert all(line.startswith(f"  {root / 'sitegen.toml'}: Config value") for line in lines[1:])
    result = CliRunner().invoke(main, ["build", str(root)])
    assert result.exit_code == 1
    printed = result.output.strip().splitlines()
    assert len(printed) == 6 and all(line.startswith("error: ") for line in printed[1:]), printed


def test_url_file_options_name_downloads(make_site):
    root = site(make_site, '[datasets.e]\nsource = "url"\nformat = "idx"\nurl = ["https://x.org/i.gz", '
                           '"https://x.org/l.gz"]\nimages = "i.gz"\nlabels = "nope.gz"\n')
    with pytest.raises(ConfigError, match=r"'datasets.e.labels': expected the file name of one of the urls "
                                          r"\(i.gz, l.gz\), got 'nope.gz'"):
        load_config(root)


IMPORT_CONFIG = """
import sys, json
import sitegen.config
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_the_config_imports_no_reader_model_code_or_tensorflow():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", IMPORT_CONFIG], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    modules = json.loads(out.stdout)
    ours = [m for m in modules if m.startswith("sitegen")]
    assert "sitegen.config.datasets" in ours and "sitegen.config.models" in ours
    assert not [m for m in ours if m.startswith(("sitegen.datasets", "sitegen.models", "sitegen.build"))], ours
    assert not [m for m in modules if m.split(".")[0] in ("tensorflow", "tensorflowjs", "numpy", "PIL")]


def test_user_text_is_never_rich_markup(make_site):
    root = site(make_site, 'title = "Site"\n"[bold]titel" = "x"\n')
    result = CliRunner().invoke(main, ["build", "--strict", str(root)])
    assert result.exit_code == 1
    assert "warning: " in result.output and "unknown key '[bold]titel' (ignored)" in result.output
    root = site(make_site, 'title = "Site"\n[datasets.d]\nsource = "image-folder"\npath = "imgs"\npattern = "[a-z"\n')
    (root / "imgs").mkdir()
    result = CliRunner().invoke(main, ["build", str(root)])
    assert result.exit_code == 1
    assert "expected a regular expression (unterminated character set at position 0), got '[a-z'" in result.output


def test_ctrl_c_exits_130_with_one_line(make_site, monkeypatch):
    import sitegen.build

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sitegen.build, "build", interrupted)
    result = CliRunner().invoke(main, ["build", str(site(make_site, 'title = "Site"\n'))])
    assert result.exit_code == 130
    assert result.output.strip() == "interrupted: the build stopped; the previous output is unchanged"


def test_model_configs_must_be_inside_the_site(make_site, tmp_path):
    outside = tmp_path / "elsewhere.json"
    outside.write_text("[]")
    root = site(make_site, 'title = "Site"\n[datasets.d]\nsource = "sample"\n'
                           '[datasets.d.model_configs]\n"Mine" = "../elsewhere.json"\n')
    with pytest.raises(ConfigError, match=r"'datasets.d.model_configs.Mine': expected a path inside the site's "
                                          r"folder .*, got '../elsewhere.json', which leads to .*elsewhere.json"):
        load_config(root)
