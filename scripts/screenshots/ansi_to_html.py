#!/usr/bin/env python3
"""Turns a terminal screen captured with colours (`tmux capture-pane -e -p`) into one
self-contained HTML page: a dark terminal, monospace, the SGR attributes the capture uses
(bold, dim, italic, underline, reverse, the 16 colours, 256 colours and RGB) as inline styles.

Usage: ansi_to_html.py < screen.ansi > screen.html
"""
import html
import re
import sys

# The 16 colours of a dark terminal theme (xterm's order: normal, then bright).
PALETTE = [
    "#1e1e1e", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#d4d4d4",
    "#5c6370", "#ff7b86", "#b5e890", "#ffd580", "#7cc4ff", "#de96f5", "#73d0dc", "#ffffff",
]
FOREGROUND = "#d4d4d4"
BACKGROUND = "#1e1e1e"
SGR = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-ln-z]")


def color_256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        levels = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (levels[n // 36], levels[(n // 6) % 6], levels[n % 6])
    gray = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (gray, gray, gray)


class State:
    def __init__(self):
        self.reset()

    def reset(self):
        self.bold = self.dim = self.italic = self.underline = self.reverse = False
        self.fg = self.bg = None

    def apply(self, codes):
        numbers = [int(c) if c else 0 for c in re.split("[;:]", codes)] if codes else [0]
        i = 0
        while i < len(numbers):
            n = numbers[i]
            if n == 0:
                self.reset()
            elif n == 1:
                self.bold = True
            elif n == 2:
                self.dim = True
            elif n == 3:
                self.italic = True
            elif n == 4:
                self.underline = True
            elif n == 7:
                self.reverse = True
            elif n == 22:
                self.bold = self.dim = False
            elif n == 23:
                self.italic = False
            elif n == 24:
                self.underline = False
            elif n == 27:
                self.reverse = False
            elif 30 <= n <= 37 or 90 <= n <= 97:
                self.fg = PALETTE[n - 30 if n < 90 else n - 90 + 8]
            elif 40 <= n <= 47 or 100 <= n <= 107:
                self.bg = PALETTE[n - 40 if n < 100 else n - 100 + 8]
            elif n == 39:
                self.fg = None
            elif n == 49:
                self.bg = None
            elif n in (38, 48) and i + 1 < len(numbers):
                if numbers[i + 1] == 5 and i + 2 < len(numbers):
                    value = color_256(numbers[i + 2])
                    i += 2
                elif numbers[i + 1] == 2 and i + 4 < len(numbers):
                    value = "#%02x%02x%02x" % tuple(numbers[i + 2 : i + 5])
                    i += 4
                else:
                    value = None
                if n == 38:
                    self.fg = value
                else:
                    self.bg = value
            i += 1

    def style(self):
        fg, bg = self.fg, self.bg
        if self.reverse:
            fg, bg = bg or BACKGROUND, fg or FOREGROUND
        parts = []
        if fg:
            parts.append("color:" + fg)
        if bg:
            parts.append("background:" + bg)
        if self.bold:
            parts.append("font-weight:bold")
        if self.dim:
            parts.append("opacity:0.6")
        if self.italic:
            parts.append("font-style:italic")
        if self.underline:
            parts.append("text-decoration:underline")
        return ";".join(parts)


def convert(text):
    text = OTHER_ESCAPE.sub("", text)
    state = State()
    out = []
    position = 0
    for match in SGR.finditer(text):
        out.append((state.style(), text[position : match.start()]))
        state.apply(match.group(1))
        position = match.end()
    out.append((state.style(), text[position:]))
    body = "".join(
        f'<span style="{style}">{html.escape(piece)}</span>' if style else html.escape(piece)
        for style, piece in out
        if piece
    )
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\"><style>"
        f"html,body{{margin:0;background:{BACKGROUND}}}"
        f"pre{{margin:0;padding:14px 18px;color:{FOREGROUND};"
        "font:15px/1.35 'DejaVu Sans Mono',monospace;white-space:pre}"
        f"</style></head><body><pre>{body}</pre></body></html>\n"
    )


if __name__ == "__main__":
    sys.stdout.write(convert(sys.stdin.read()))
