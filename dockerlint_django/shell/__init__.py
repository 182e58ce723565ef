"""Shell code as Docker runs it: words and commands with spans, launchers, known commands.

``syntax`` parses POSIX/bash scripts (RUN lines, ``sh -c`` strings, entrypoint scripts) into
simple commands whose words remember their source; ``launch`` unwraps the launchers around a start
command down to the server it runs; ``commands`` and ``useradd`` read the arguments of the
commands that rules judge (pip, apt, manage.py, useradd/adduser).
"""
