"""``cosmofit config``: the effective configuration and where each value came from."""

from __future__ import annotations

import typer

from cosmofit.commands._output import JsonOpt, plain, print_json, stdout

app = typer.Typer(
    help=(
        "Show the effective configuration.\n\n"
        "Precedence, highest first: command-line flags > environment (COSMOFIT_SECTION__KEY) > "
        "--config FILE > ./cosmofit.toml > user config file > built-in defaults.\n\n"
        "Examples:\n\n"
        "  cosmofit config show\n\n"
        "  cosmofit --config study.toml config show --json\n\n"
        "  cosmofit config path"
    ),
    no_args_is_help=True,
)


@app.command("show")
def show(json_output: JsonOpt = False) -> None:
    """Every setting with its value and the source that set it.

    Examples:

      cosmofit config show

      cosmofit --config study.toml config show --json
    """
    from cosmofit.config import load_config

    effective = load_config()
    rows = effective.rows()
    if json_output:
        print_json(
            {
                "settings": {key: value for key, value, _ in rows},
                "sources": {key: source for key, _, source in rows},
                "layers": effective.order,
            }
        )
        return
    from rich.table import Table

    table = Table(title="effective configuration")
    table.add_column("key", no_wrap=True)
    table.add_column("value")
    table.add_column("source")
    for key, value, source in rows:
        table.add_row(
            key, plain(value), plain(source), style=None if source == "default" else "bold"
        )
    stdout().print(table)


@app.command("path")
def path(json_output: JsonOpt = False) -> None:
    """Where cosmofit looks for configuration files.

    Examples:

      cosmofit config path
    """
    from pathlib import Path

    from cosmofit.config import CONFIG_FILE, PROJECT_CONFIG, user_config_path

    paths = {
        "user": str(user_config_path()),
        "project": str(Path.cwd() / PROJECT_CONFIG),
        "--config": str(CONFIG_FILE.get()) if CONFIG_FILE.get() else None,
    }
    if json_output:
        print_json(paths)
        return
    for label, location in paths.items():
        stdout().print(f"{label}: {plain(location or '-')}")
