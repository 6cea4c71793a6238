"""Clean the text of a scraped or hand-written article before it is chunked.

`clean_text` works line by line and is deliberately conservative:

* whitespace inside a line collapses to single spaces; invisible characters go;
* a line that is only page furniture ("Share on Social", "Leave a Reply", "Advertisement",
  cookie notices, "Read more: …", share-button rows, "Related articles", …) is dropped.
  Only short lines can match, and each pattern must match the whole line, so a real
  sentence that merely mentions sharing or cookies stays;
* lines hard-wrapped inside a paragraph are joined again (a line that does not end a
  sentence and either reaches the block's wrap width or runs on in lower case);
* the output keeps paragraphs, separated by exactly one blank line;
* a paragraph that repeats an earlier one exactly (ignoring case and spacing) is dropped,
  and so are copies of the title at the top of the body. Paraphrases are not duplicates
  and stay.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_LINE_SEPARATORS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"[^\S\n]+")
_DECORATION = " \t|•·*_#>=~:-–—"  # stripped from both ends before matching boilerplate

_SHARE_TARGETS = (
    r"facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|telegram|messenger|threads"
    r"|bluesky|mastodon|flipboard|pocket|email|e-mail|mail|sms|print|copy link"
)
# (pattern matched against the whole lower-cased line, most words the line may have)
_BOILERPLATE: list[tuple[re.Pattern[str], int]] = [
    (re.compile(p), words)
    for p, words in [
        (
            r"advertisements?|advert|ad|sponsored( content)?|paid (content|post)"
            r"|(story )?continues below( this)?( advertisement)?|scroll to continue( with content)?"
            r"|continue reading (below|the main story)",
            6,
        ),
        (
            r"share( this)?( (article|story|post|page))?( on social( media)?| via)?|tweet|shares?"
            r"|share (on|to|via|with) (" + _SHARE_TARGETS + r")",
            6,
        ),
        (
            r"leave a (reply|comment)|post a comment|add a comment|\d+ comments?|comments?"
            r"( \(\d+\))?|(view|show|hide) comments|join the (discussion|conversation)"
            r"|cancel reply",
            6,
        ),
        (
            r"your email address will not be published\.?( required fields are marked( \*)?)?"
            r"|required fields are marked( \*)?",
            14,
        ),
        (
            r"click here to (subscribe|sign up|register|read more|learn more|continue)\b.*"
            r"|subscribe( now| today| here)?|subscribe (to|for) (our|the) \w*\s?newsletters?\b.*"
            r"|sign up (for|to) (our|the) \w*\s?newsletters?\b.*|get (our|the) newsletter\b.*",
            20,
        ),
        (
            r"(this (web)?site|we|our (web)?site) uses? cookies\b.*"
            r"(experience|consent|accept|agree|policy|browsing|personali[sz]e|analytics|advertising)"
            r".*|(accept|allow|reject|decline|manage)( all)? cookies|cookie (policy|settings"
            r"|preferences|notice|consent)|by (continuing to (use|browse)|using) (this|our)"
            r" (web)?site\b.*cookies\b.*",
            60,
        ),
        (
            r"(read|see|show|load) more|(read|see) more (at|on|from|about|here)\b.*|read more ?:.*"
            r"|continue reading|read (the )?full (story|article)|read next|keep reading"
            r"|more (stories|news|coverage) from\b.*|also read ?:.*|see also ?:.*",
            14,
        ),
        (
            r"related( articles?| stories| posts| news| content| coverage| links| topics| reading)?"
            r"|you (may|might) also like|recommended( for you| stories| articles| reading)?"
            r"|more (from|on) this (topic|story)|most (read|popular|viewed|shared)"
            r"|trending( now| stories)?|top stories|editor'?s picks|don'?t miss",
            6,
        ),
        (
            r"follow us( on ("
            + _SHARE_TARGETS
            + r"|instagram|youtube|tiktok|social( media)?)\b.*)?"
            r"|like us on facebook|follow @\w+.*",
            8,
        ),
        (r"(tags?|tagged( with)?|filed under|categories) ?: .*", 16),
        (r"all rights reserved\.?|(©|\(c\)|copyright ©?) ?\d{4}\b.*", 14),
        (
            r"(print|email|e-mail) (this )?(article|story|page)|copy (the )?link|link copied"
            r"|print",
            4,
        ),
        (
            r"skip to (main )?content|toggle navigation|(main )?menu|back to top|log ?in|sign ?in"
            r"|search|close|loading\.*|like this ?:?|like loading\.*",
            4,
        ),
        (r"(please )?(you need to )?enable javascript\b.*", 20),
    ]
]
_SHARE_ROW = re.compile(r"((share|tweet|on|via|to|" + _SHARE_TARGETS + r")\b[\s,|/•·]*)+")

_CONNECTORS = frozenset(("on", "via", "to"))
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_STARTS_LIST_ITEM = re.compile(r"([-*•+]|\d{1,3}[.)])\s")
_WRAP_WIDTH_LIMIT = 100  # hard-wrapped text is narrower than this
_WRAP_SLACK = 20  # a wrapped line ends within this many characters of the wrap width


def clean_text(text: str, *, title: str = "") -> str:
    """Clean article text; paragraphs come back separated by exactly one blank line.

    `title`, when given, is the article's title: copies of it at the top of the body go.
    """
    text = _LINE_SEPARATORS.sub("\n", unicodedata.normalize("NFC", text))
    text = text.translate(_INVISIBLE)
    paragraphs: list[str] = []
    for block in _blocks(text):
        paragraphs.extend(_unwrap(block))

    title_key = _key(title)
    while paragraphs and title_key and _key(paragraphs[0]) == title_key:
        paragraphs.pop(0)

    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        key = _key(paragraph)
        if key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return "\n\n".join(kept)


def is_boilerplate(line: str) -> bool:
    """Whether one line (already stripped) is page furniture rather than article text."""
    core = line.strip(_DECORATION).casefold()
    if not core:
        return bool(line.strip())  # a row of rules or bullets: "* * *", "----"
    words = core.count(" ") + 1
    if 1 < words <= 12 and _SHARE_ROW.fullmatch(core) and not _CONNECTORS.issuperset(core.split()):
        return True
    return any(words <= limit and pattern.fullmatch(core) for pattern, limit in _BOILERPLATE)


def _blocks(text: str) -> list[list[str]]:
    """Runs of non-blank lines; a boilerplate line breaks a run like a blank line does."""
    blocks: list[list[str]] = [[]]
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if not line or is_boilerplate(line):
            if blocks[-1]:
                blocks.append([])
        else:
            blocks[-1].append(line)
    return [block for block in blocks if block]


def _unwrap(lines: list[str]) -> list[str]:
    """Join the lines of a hard-wrapped paragraph; other line breaks become paragraphs."""
    width = max(len(line) for line in lines)
    paragraphs = [lines[0]]
    for line in lines[1:]:
        previous = paragraphs[-1]
        last_line = previous.rsplit("\n", 1)[-1]
        runs_on = not _ENDS_SENTENCE.search(previous) and not _STARTS_LIST_ITEM.match(line)
        wrapped = width <= _WRAP_WIDTH_LIMIT and len(last_line) >= width - _WRAP_SLACK
        if runs_on and not previous.startswith("#") and (wrapped or line[0].islower()):
            paragraphs[-1] = f"{previous}\n{line}"
        else:
            paragraphs.append(line)
    return [paragraph.replace("\n", " ") for paragraph in paragraphs]


def _key(paragraph: str) -> str:
    return " ".join(paragraph.casefold().split())
