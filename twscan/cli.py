"""Command-line entry point: parse, dispatch, and map every failure to exit code 2.

Exit codes: 0 nothing found, 1 findings, 2 usage or runtime error (one line on stderr).
Only the module of the command being run is imported (all of them for ``--help``), and each
keeps heavy imports (requests) inside the functions that need them, so ``twscan staged``
starts as fast as Python allows: a pre-commit hook that takes a second gets uninstalled. The
hook's usual command line is even read without a parser (:func:`twscan.commands.staged.fast_args`):
argparse and what it imports were ~8 ms of it.
"""

from __future__ import annotations

import contextlib
import os
import sys

from twscan.core.errors import TwscanError
from twscan.core.safeio import clean

#: The command line as given, kept on the namespace under this name: a command that takes file
#: names can tell one that argparse read as an option (see twscan.commands.staged).
ARGV = "_twscan_argv"


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code.

    Without ``argv`` this is the ``twscan`` process itself (the console script, ``python -m
    twscan``) that exits with the code next: see :func:`_exit_soon`.
    """
    code = _run(argv)
    if argv is None:
        _exit_soon()
    return code


def _exit_soon() -> None:
    """Spare the interpreter's exit its garbage collections.

    At exit Python runs full collections over every object still alive, nearly all of them
    made by imports (the standard library's, twscan's rules and message catalogues): ~7 ms of
    the commit hook here, over a quarter of its time above Python's start-up. Nothing twscan
    leaves behind needs a collection to finalize it (reports are written and closed, git
    processes reaped, workers joined), so the survivors are moved out of the collector's sight.
    """
    import gc

    gc.freeze()


def _run(argv: list[str] | None) -> int:
    _tolerant_streams()
    try:
        return _dispatch(argv)
    except TwscanError as e:
        sys.stderr.write(f"twscan: error: {clean(e)}\n")  # it may name a hostile path
    except KeyboardInterrupt:
        sys.stderr.write("twscan: interrupted\n")
    except BrokenPipeError:
        pass
    except OSError as e:
        where = getattr(e, "filename", "") or ""
        sys.stderr.write(f"twscan: error: {clean(e.strerror or e)}: {clean(where)}\n")
    except RecursionError:
        sys.stderr.write("twscan: error: input nested too deeply to process\n")
    except MemoryError:
        sys.stderr.write("twscan: error: out of memory\n")
    except Exception as e:  # a bug: still one line and exit 2, never a traceback in a CI log
        if os.environ.get("TWSCAN_DEBUG"):
            raise
        sys.stderr.write(
            f"twscan: internal error: {type(e).__name__} at {_where(e)} (a bug, please report "
            "it; TWSCAN_DEBUG=1 shows the traceback)\n"
        )
    return 2


def _dispatch(argv: list[str] | None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    from twscan.commands.staged import fast_args

    args = fast_args(given)
    if args is None:  # anything but the commit hook's usual call: the real parser
        from twscan.commands.parser import build_parser

        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.error("no command given")
    setattr(args, ARGV, given)
    return int(args.func(args))


def _tolerant_streams() -> None:
    """A report must print on any terminal: a character stdout cannot encode (the ``…`` of a
    redacted value on an ASCII or Latin-1 locale, a Japanese report) is written as an escape
    such as ``\\u2026`` instead of ending the run."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # closed, or not ours to change
                reconfigure(errors="backslashreplace")


def _where(e: BaseException) -> str:
    """The innermost twscan frame of the exception: enough to report the bug, and unlike the
    message it cannot hold a scanned value."""
    tb = e.__traceback__
    found = "?"
    while tb is not None:
        code = tb.tb_frame.f_code
        parts = code.co_filename.replace(os.sep, "/").rsplit("/twscan/", 1)
        if len(parts) == 2:
            found = f"twscan/{parts[1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return found
