"""The ``cosmofit`` command: command groups, global options and error handling.

This module and ``cosmofit/commands/*`` import only typer and the standard
library at top level, so ``cosmofit --help`` never pays for numpy or scipy.
Every :class:`~cosmofit.errors.CosmofitError` becomes a one-line message on
stderr and its exit code (2 for usage errors, 1 for data, physics and store
errors); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from cosmofit._version import __version__
from cosmofit.commands import config as config_commands
from cosmofit.commands import data as data_commands
from cosmofit.commands import fit as fit_commands
from cosmofit.commands import jackknife as jackknife_commands
from cosmofit.commands import optimize as optimize_commands
from cosmofit.commands import profile as profile_commands
from cosmofit.commands import report as report_commands
from cosmofit.commands import sample as sample_commands
from cosmofit.commands import store as store_commands
from cosmofit.commands import tension as tension_commands
from cosmofit.commands import validate as validate_commands
from cosmofit.errors import CosmofitError

_DEBUG_ENV = "COSMOFIT_DEBUG"
#: Click's UsageError as Typer ships it (typer.BadParameter derives from it).
_CLICK_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _debug_enabled() -> bool:
    return os.environ.get(_DEBUG_ENV, "") not in ("", "0")


class CosmofitGroup(TyperGroup):
    """Turns library errors into exit codes, for nested groups and CliRunner alike."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Click's own usage errors (unknown option or command, bad value) as one line, exit 2."""
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _CLICK_USAGE_ERROR as error:
            where = error.ctx.command_path if error.ctx is not None else "cosmofit"
            typer.echo(f"Error: {error.format_message()} (see `{where} --help`)", err=True)
            code = 2
        except typer.Abort:
            typer.echo("Aborted.", err=True)
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CosmofitError as error:
            if _debug_enabled():
                import traceback

                traceback.print_exc()  # the traceback, but the exit code still says what failed
            else:
                typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(130) from None
        except OSError as error:  # a file or terminal failed outside the checked paths
            if _debug_enabled():
                raise
            where = f" {error.filename}" if error.filename else ""
            with contextlib.suppress(OSError):
                typer.echo(
                    f"Error: cannot read or write{where} ({error.strerror or error})", err=True
                )
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=CosmofitGroup,
    name="cosmofit",
    help=(
        "Fit background cosmologies (LCDM and every other model in the registry) to "
        "Planck 2018 distance priors, "
        "BAO and Type Ia supernovae.\n\n"
        "Examples:\n\n"
        "  cosmofit optimize cmb --model pbuf --warm-start\n\n"
        "  cosmofit fit cmb,bao,sn --model lcdm\n\n"
        "  cosmofit store history lcdm\n\n"
        "  cosmofit data list"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"cosmofit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version_callback,
        is_eager=True,
        help="Print the version and exit.",
    ),
    debug: bool = typer.Option(
        False,
        "--debug",
        help="Show full tracebacks instead of one-line errors.",
    ),
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="TOML config file (above ./cosmofit.toml and the user config).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Fit background cosmologies to CMB, BAO and supernova data."""
    if debug:
        os.environ[_DEBUG_ENV] = "1"
    from cosmofit.config import CONFIG_FILE

    CONFIG_FILE.set(config)  # also clears a file left from an earlier in-process invocation


fit_commands.register(app)
optimize_commands.register(app)
report_commands.register(app)
profile_commands.register(app)
jackknife_commands.register(app)
tension_commands.register(app)
sample_commands.register(app)
validate_commands.register(app)
app.add_typer(store_commands.app, name="store")
app.add_typer(data_commands.app, name="data")
app.add_typer(config_commands.app, name="config")


def main() -> None:
    """Console-script entry point."""
    try:
        app(prog_name="cosmofit")
    except CosmofitError as error:  # raised outside a command (e.g. while parsing)
        if _debug_enabled():
            raise
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
