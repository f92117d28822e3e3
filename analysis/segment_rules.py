"""Line-level signals used by :mod:`analysis.segment`.

Every pattern here is compiled once at import time and is written so that it cannot
backtrack catastrophically: repetitions are bounded (``{0,80}``) or run over character
classes that cannot overlap with what follows them. The segmenter only ever applies them to
one line (paragraph) at a time, and long lines are cut before the expensive patterns run.

The signals are deliberately few and general (see ``benchmarks/segment_eval.md`` for how they
were chosen from the AllSides corpus):

* embedded posts: a tweet/Instagram/Facebook *signature* (``— Name (@handle) July 1, 2019``,
  ``A photo posted by Name (@handle) on …``, ``Posted by Name on Friday, May 29, 2020``), a
  status/media link (``pic.twitter.com/…``, ``t.co/…``, ``twitter.com/x/status/…``), a post
  *lead* (``Skip Twitter post by @x``, ``Name (@handle) Text…``) and hashtag-heavy short lines;
* page debris: short lines built around a call to action (sign up, share, follow, read
  more, click) plus a page noun (newsletter, story, app, Twitter…), legal lines (©, reprint,
  all rights reserved), advertisement markers, contributor/credit lines, time stamps, lines
  without letters;
* captions: photo-credit shapes (``Name/AP``, ``(AP Photo/…)``, ``Getty Images``) and caption
  controls (``toggle caption``, ``Image caption``, ``Enlarge this image``, ``CLOSE`` video
  blurbs).
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------


def words(text: str) -> frozenset[str]:
    """A word list written as one space-separated string (easier to read and edit)."""
    return frozenset(text.split())


#: Characters stripped from both ends of a line: Unicode whitespace (NBSP included),
#: zero-width characters, soft hyphens, BOMs and C0/C1 control characters. Scraped text is
#: full of them and none carries meaning at a paragraph edge.
STRIP_CHARS = (
    "".join(chr(c) for c in range(0x00, 0x21))
    + "".join(chr(c) for c in range(0x7F, 0xA1))
    + "\u00ad\u034f\u061c\u115f\u1160\u1680\u180e"
    + "".join(chr(c) for c in range(0x2000, 0x2010))
    + "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u202f\u205f\u2060\u2061\u2062\u2063\u2064"
    + "\u2066\u2067\u2068\u2069\u3000\ufeff\ufff9\ufffa\ufffb"
)

#: Line separators: newlines plus the other code points Python's ``str.splitlines`` treats
#: as line ends (so a CR-only or U+2029 file splits into paragraphs too).
#: A scraped hover card, printed inline after a name: "President Trump Donald John
#: TrumpKamala Harris calls for ... Clinton jokes ... MORE has shifted". The card repeats the
#: name in full (up to five more names, ending in the same surname), then up to three
#: related headlines, then "MORE". 1,217 of 1,377 The Hill articles in AllSides carry them;
#: left in the prose they read as the outlet's words (their quotes as quotes, their "MORE"
#: as shouting). Group ``card`` is the span to set aside; "READ MORE", "LEARN MORE" and
#: their kin are link labels, not a card's end.
HOVER_CARD_RE = re.compile(
    r"\b(?P<s>[A-Z][a-z'’][\w'’.-]{0,30}) ?(?P<card>(?:[A-Z(][\w'’.()-]{0,30} ){0,5}(?P=s)"
    r" ?[A-Z0-9'\"‘“$][^\n]{0,600}?(?<!READ)(?<!LEARN)(?<!SEE)(?<!VIEW)(?<!ONE)(?<!CLICK) MORE)"
    r"(?![A-Za-z])"
)
LINE_RE = re.compile(r"[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
NEWLINE_RUN_RE = re.compile(r"(?:\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])+")

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = _MONTH + r"\s{0,3}\d{1,2},?\s{1,3}\d{4}"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DAY = _MONTH + r"\s{0,3}\d{1,2}(?:,?\s{1,3}\d{4})?"  # the year may be left out

URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"“”]{1,2000}"
    r"|\b(?:pic\.twitter\.com|t\.co|bit\.ly|youtu\.be|instagr\.am)/[^\s<>\"“”]{1,200}"
)
EMAIL_RE = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,4}")
MENTION_RE = re.compile(r"(?<![\w@])@\w{1,30}")
HASHTAG_RE = re.compile(r"#\w{0,60}[^\W\d_]\w{0,60}")
LETTER_RE = re.compile(r"[^\W\d_]")
NON_LETTERS_RE = re.compile(r"[\W\d_]+")
#: Letters outside Latin (Basic Latin .. Latin Extended-B, Latin Extended Additional).
NON_LATIN_LETTER_RE = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")
WORD_RE = re.compile(r"[^\W_][\w'’-]{0,60}")

# --------------------------------------------------------------------------------------
# Embedded posts
# --------------------------------------------------------------------------------------

#: ``(@handle) July 1, 2019`` — the anchor of a Twitter signature, also Instagram's
#: ``(@handle) on Jun 26, 2015 at 6:49pm PDT``. BBC embeds end in a "Report" button.
POST_SIG_ANCHOR_RE = re.compile(
    r"\(@(?P<handle>\w{1,30})\)\s{0,3}(?:on\s{1,3})?(?P<date>" + _DATE + r")"
    r"(?:\s{1,3}at\s{1,3}\d{1,2}:\d{2}\s{0,2}[apAP]\.?[mM]\.?(?:\s{1,3}[A-Z]{2,4}\b)?)?"
    r"(?:\s{1,3}Report\b)?"
)
#: Facebook embeds: ``Posted by Name on Friday, May 29, 2020``.
FB_SIG_RE = re.compile(
    r"\bPosted by (?P<name>[^\n]{1,100}?) on (?:" + _WEEKDAY + r",\s{1,3})?(?P<date>" + _DATE + ")"
)
#: What starts a signature before its ``(@handle)``: a dash (any typographic kind, or a
#: hyphen standing alone) or Instagram's "A photo posted by".
SIG_LEAD_RE = re.compile(r"[—–―]|(?<!\S)-{1,2}|(?:\bA (?:photo|video) )?\bposted by\b", re.I)

#: Links only an embedded post carries in scraped text.
POST_LINK_RE = re.compile(
    r"pic\.twitter\.com/\w"
    r"|\bt\.co/\w"
    r"|twitter\.com/\w{1,30}/status"
    r"|instagram\.com/p/"
    r"|facebook\.com/[^\s/]{1,80}/(?:posts|videos)/",
    re.I,
)
#: BBC: ``Skip Twitter post by @x`` / ``Skip Twitter post 2 by @x``; also Instagram/Facebook.
POST_SKIP_RE = re.compile(
    r"^Skip (?:Twitter|Instagram|Facebook|YouTube) post(?: \d{1,3})? by (?P<who>@?\w[^\n]{0,40}?)(?=\s|$)",
)
#: Author first: ``Donald J. Trump (@realDonaldTrump) I will be announcing …``. The text
#: after the handle must start like a post (capital, quote, @, #, digit, emoji), not like a
#: bio ("(@x) is a senior fellow …").
POST_AUTHOR_FIRST_RE = re.compile(
    r"^(?P<name>[^\s()@][^()\n]{0,60}?)\s{0,3}\(@(?P<handle>\w{1,30})\)\s{1,3}"
    r"(?=[^\sa-z,;:)(])"
)
#: The word in a line that says an outlet is *talking about* a post rather than showing it.
POST_MENTION_RE = re.compile(
    r"\b(?:tweet(?:s|ed|ing)?|retweet\w*|hashtag\w*|posted|wrote|writes|said|says|trending)\b",
    re.I,
)
#: Placeholders left by CMS embeds: ``[embedtweet id="…"]``, ``<blockquote class=…>``.
EMBED_MARKUP_RE = re.compile(
    r"^[\[<{][^\s\]>}]{0,30}(?:tweet|embed|instagram|video|img|poster|iframe)[^\n]{0,300}[\]>}]$",
    re.I,
)

# --------------------------------------------------------------------------------------
# Debris
# --------------------------------------------------------------------------------------

#: Strong markers: one of these anywhere in a not-too-long line makes it debris.
LEGAL_RE = re.compile(
    r"©|\(c\)\s{0,2}\d{4}|\bcopyright\s{0,2}(?:©|\(c\)|\d{4})|^copyright\b|all rights reserved"
    r"|reprint permission"
    r"|may not be (?:re)?(?:published|reproduced|redistributed)|rewritten,? or redistributed"
    r"|terms of (?:use|service)|privacy (?:policy|notice)"
    r"|opinions? expressed (?:by|in|here)|views expressed (?:by|in|here)"
    r"|does not necessarily reflect the (?:opinion|view)"
    r"|(?:are|is) (?:solely )?(?:their|his|her|the author'?s) own\b"
    r"|this (?:article|story|post) (?:is more than|was (?:originally|first)|originally|first)"
    r"|(?:originally|first) (?:appeared|published) (?:in|on|at)\b"
    r"|rush transcript|transcripts? (?:are|is) created"
    r"|contributed to this (?:report|story|article)|wire service reports"
    r"|content created by|is (?:a|an) [\w ]{1,40}content partner|without charge to any eligible"
    r"|republished (?:with|under) permission|licensed under (?:a|the) creative commons|^[—–-]?\s{0,2}with assistance (?:by|from)\b"
    r"|^[A-Z][\w.'’-]{0,30}(?:\s{1,3}[\w.'’&,-]{1,30}){0,8}\s{1,3}contributed(?: reporting)?"
    r"(?: (?:from|in) [^.;]{1,40})?"
    # "… contributed reporting from Washington; Adam Nagourney from Los Angeles and …"
    r"(?:; [A-Z][^;\n]{1,100}(?:; [A-Z][^;\n]{1,100}){0,4})?\.?"
    # "… contributed. Casert reported from Brussels."
    r"(?:\s{1,3}[A-Z][\w.'’-]{1,30}(?:\s{1,3}[A-Z][\w.'’-]{1,30}){0,2} (?:reported|wrote)"
    r" (?:from|in) [^.]{1,40}\.)?$"
    r"|^contributing:"
    # "Bhatti reported from Berlin. Contributing: Bart Jansen in Washington; The Associated Press"
    r"|^(?-i:[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{1,30}){0,2}) reported (?:from|in) [^.]{1,40}\."
    r"(?:;?\s{1,3}contributing:[^\n]{1,200}|\s{1,3}follow [^\n]{1,120})?$"
    r"|(?:created|maintained) (?:and (?:created|maintained) )?by a third party"
    r"|^this (?:story|article|report) is (?:part of )?a (?:reporting |news )?(?:partnership|collaboration)\b",
    re.I,
)
#: Credit lines: ``(Reporting by Lucia Mutikani; Editing by Paul Simao)``, ``Graphics by …``;
#: only short lines without a sentence end ("Reporting by CNN said the source …" is prose).
CREDIT_BY_RE = re.compile(
    r"^\(?\s{0,2}(?:additional )?(?:reporting|editing|writing|compiled|research|graphics?|graph"
    r"|charts?|design|illustrations?|photography|video|production|produced|interactive|data)"
    r" by\b",
    re.I,
)

#: Calls to action. ``CTA_START_RE`` must open the line (after bullets); ``CTA_ANY_RE`` may
#: sit anywhere in a short line.
CTA_START_RE = re.compile(
    r"^(?:sign(?:ing)? up|subscribe|follow|share|click|tap|read|watch|listen|download|get|join"
    r"|like us|support|donate|contact|send|e-?mail|visit|see|sign in|log ?in|register"
    r"|check out|find (?:us|out more)|don'?t miss|want|interested|got a tip|catch|keep up"
    r"|stay (?:up|informed|in)|learn more|more from|more on|more|related|also|recommended|for more"
    r"|trending|latest|urgent|breaking news alerts?|newsletter|podcast|video|photos?|gallery"
    r"|view|play|print|tweet|pin|reddit|whatsapp|pocket|linkedin|flipboard|loading)\b",
    re.I,
)
CTA_ANY_RE = re.compile(
    r"\b(?:sign up (?:for (?:our|the|daily|free|[\w.]{1,20}'s)\b|here|now|today|to (?:receive|get))"
    r"|by signing up|subscribe (?:now|today|here|to (?:our|the)\b|for \$)|flipboard|click here|share (?:this|the) (?:story|article|post|video)"
    r"|follow (?:us|\w{1,20} on (?:twitter|facebook|instagram)|@\w)|like us on"
    r"|download (?:the|our)|(?:get|download) (?:the|our) [\w ]{1,30}\bapp\b|read more|read the full"
    r"|continue reading|keep reading|story continues|continued below|read or share"
    r"|stay (?:up to date|informed|in the know)|add (?:interest|[\w ]{1,40} as an interest)"
    r"|delivered (?:daily |weekly |straight )?to your inbox|in your inbox|by signing up"
    r"|click for more|visit (?:our|the) \w{1,20} (?:page|website|site)|see all editions"
    r"|copy this code to your (?:website|blog|site)"
    r"|send (?:us )?(?:a )?tips?\b|send letters|send (?:your )?(?:questions|comments|feedback)\b|tips? to \S{1,40}@|enable javascript"
    r"|read (?:on|at) (?:the )?[A-Z][\w.]{1,20}(?: [A-Z][\w.]{1,20}){0,3}\W{0,2}$"
    r"|you can (?:reach|contact|email) (?:us|me|him|her|[A-Z]\w{1,20}) (?:directly|at|on|via)"
    r"|do you have (?:more )?information about this"
    r"|thanks? (?:you )?for signing up|chip in \$|reader[- ]supported|check out our latest issue"
    r"|support (?:our|independent|progressive|local|quality) journalism|be the first to (?:hear|know)"
    r"|^follows? \w{1,20}(?: \w{1,20})? on (?:twitter|facebook|instagram)"
    r"|\bour newsletter\b|help us report|become a (?:member|subscriber|patron)"
    r"|join the conversation|we want to hear (?:from you|your)|refresh (?:the|this) page"
    r"|if you (?:enjoyed|liked|like) this (?:article|post|story|piece|column)"
    r"|(?:coverage|more|story|stories|details|transcript|video|here) here\W{0,2}$)",
    re.I,
)
#: Reader solicitations: ``Tag #CNNiReport … to share stories``, ``Send us your photos``.
SOLICIT_RE = re.compile(
    r"\b(?:share|send|tell us|submit|tag)\b[\w ]{0,12}\b(?:your|stories)\b[\w ]{0,12}"
    r"\b(?:stories|story|thoughts|photos|videos|experiences?|views)\b",
    re.I,
)
#: Nouns that only page furniture talks about; with a call to action they make a prompt.
PAGE_NOUN_RE = re.compile(
    r"\b(?:newsletters?|inbox|e-?mail|app|podcasts?|stor(?:y|ies)|articles?|twitter|facebook"
    r"|instagram|youtube|flipboard|linkedin|subscri\w+|here|more|video|coverage|updates|alerts"
    r"|website|channel|tips?|letters|magazine|issue|page|interest|edition|briefing|report"
    r"|piece|in full)\b"
    r"|@\w|https?://|www\.|\.com\b",
    re.I,
)
#: A label that introduces a related link: ``READ MORE:``, ``SEE ALSO:``, ``( PHOTOS: …)``.
LINK_LABEL_RE = re.compile(
    r"^[(\[]?\s{0,2}(?:read more|more|see also|also see|also|related(?: content| coverage| stories)?"
    r"|recommended|watch|video|photos?|listen|click here|full coverage|special coverage"
    r"|latest|urgent|trending|must read|don'?t miss|editor'?s picks?|more on this|more from"
    r"|also on [\w ]{1,20}|also read|read also|(?:more|related) (?:news|stories|articles|links)"
    r"|series"
    r"|more coverage|top stories|further reading|read|see|go deeper|now playing"
    r"|(?:this (?:article|story|post) (?:is )?)?(?:tagged|filed) under"
    r"|(?:read|see|watch|listen to) (?:the|our|more) [\w ]{1,25})\s{0,2}(?::|\.\.\.|…|\||-|–|—|>|»)",
    re.I,
)
#: A related-link label followed directly by the headline: ``Recommended The Truth About …``.
LABEL_HEADLINE_RE = re.compile(
    r"^(?:Recommended|RECOMMENDED|Related Articles?|RELATED|Trending|TRENDING|MORE FROM|Most Read)"
    r"\s{1,3}[A-Z‘“\"']"
)
_PERSON = (
    r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?: [A-Z]\.)?(?: (?:de |van |Mc)?[A-Z][a-zA-Z'’-]+){1,2}"
    r"(?: Jr\.| Sr\.| III| II)?"
)
#: A byline that is only names, two or more joined by "and": ``Kevin Johnson and David
#: Jackson``, ``Olga Rudenko, Charles McPhedran and Jabeen Bhatti`` (USA TODAY prints its
#: bylines so on the first line; titles such as "In Ukraine, Cease-Fire Between Government,
#: Separatists Takes Hold" have no "and").
NAME_LIST_RE = re.compile(
    rf"^{_PERSON}(?:(?:,| and|, and| &) {_PERSON}){{0,5}}(?:,? and| &) {_PERSON},?$"
)
#: Acknowledgements: ``Thanks to Cecile Murray for excellent research assistance.``,
#: ``Special thanks to Bill Bertovich, one of my readers, who tipped me off …`` (a named
#: person thanked for help; "Thanks to ObamaCare, …" is prose).
THANKS_RE = re.compile(
    r"^(?:(?:Special|Many|Big) )?[Tt]hanks (?:also )?to [A-Z][\w.’'-]+ [A-Z][^.]{0,120}?"
    r"\b(?:for (?:\w+ ){0,3}(?:help|assistance|research|reporting|contributions?|analysis)"
    r"|who (?:tipped|pointed|flagged|alerted))\b"
)
#: A media player's line: ``EPA Unveils New Proposal … Listen · 4:07 4:07`` (NPR).
PLAYER_DURATION_RE = re.compile(r"\bListen\s{0,2}·\s{0,2}\d{1,2}:\d{2}\b")
#: A credit in parentheses on its own line: ``(Graph courtesy of the Empire Center.)``,
#: ``(Image via flickr …)``, ``(Image Source: greenbookblog.org)``.
PAREN_CREDIT_RE = re.compile(
    r"^\(\s{0,2}(?:graph|chart|map|photo|image|video|graphic|illustration|picture)s?"
    r"\s{1,2}(?:courtesy(?: of)?|via|source:?|from|credit:?)\s",
    re.I,
)
#: A related-coverage label ending in a colon: ``Other key coronavirus stories from NPR:``,
#: ``More coverage of the GOP debate:``, ``More OZY stories you may like:``.
COVERAGE_LABEL_RE = re.compile(
    r"^(?:other|more|related|recent|latest)\b[a-z’' -]{0,40}\b(?:stories|coverage|reads?"
    r"|articles|headlines)(?:\s(?:from|of|on|about|in|by|you)\b[^.?!:]{0,40})?:$",
    re.I,
)
#: A credit ending in an agency after a dash: ``Saul Loeb/Agence France-Presse — Getty Images``.
AGENCY_DASH_CREDIT_RE = re.compile(
    r"^[A-Z][\w.’'-]+(?: [A-Z][\w.’'-]+){0,3} ?/ ?[A-Z][\w.’'& -]{1,40} [—–-] "
    r"(?:Getty Images|Reuters|AP|Agence France-Presse|European Pressphoto Agency"
    r"|Associated Press)$"
)
#: A show's or podcast's title as a label: ``FiveThirtyEight Politics Podcast: Our 2020 …``.
PODCAST_LABEL_RE = re.compile(r"^[\w’' ]{0,40}\bPodcast: ")

#: Whole-line advertising/continuation markers.
AD_LINE_RE = re.compile(
    r"^(?:advertisement|advertising|ad|ads|sponsored(?: content)?|paid content|promoted"
    r"|story continue[sd](?: below)?|continue reading(?: (?:below|the main story))?"
    r"|continued below|continue reading below|advertisement continue reading the main story"
    r"|hidden ad unit|skip (?:advert|ad)\w*|scroll to continue[\w ]{0,30}|loading\W{0,3}"
    r"|(?:advertisement\s{0,3}){2,3})\W{0,3}$",
    re.I,
)
AD_ANY_RE = re.compile(r"\badvertisement\b|\bhidden ad unit\b|\bstory continued below\b", re.I)
#: Share bars: a line made only of these tokens (``Share Tweet Post Email``).
SHARE_TOKENS = words(
    "share shares tweet post email e-mail print pocket whatsapp facebook twitter linkedin reddit"
    " pinterest flipboard messenger sms copy link copied comment comments comments: save this"
    " article story on via more menu close next prev previous listen to youtube instagram vimeo"
)
#: ``Updated at 5:10 p.m. ET``, ``4:39 p.m.``, ``7 years ago``, ``Update 2110 BST (1610 EST)``.
TIMESTAMP_RE = re.compile(
    r"^[\[(]?\s{0,2}(?:(?:last )?updated?:?|posted:?|published:?|first published:?)?\s{0,2}"
    r"(?:(?:at|on)\s{1,2})?(?:"
    + _WEEKDAY
    + r",?\s{1,2})?(?:"
    + _DAY
    + r")?[\s,]{0,3}(?:at\s{1,2})?"
    r"(?:\d{1,2}[:.]?\d{2}\s{0,2}(?:[ap]\.?m\.?)?|\d{1,3} (?:seconds?|minutes?|hours?|days?"
    r"|weeks?|months?|years?) ago)?\s{0,2}(?:[A-Z]{2,4}|ET|EDT|EST|GMT|BST)?"
    # the same time in a second zone: "Update 2110 BST (1610 EST)"
    r"(?:\s{0,2}\(\s{0,2}\d{1,2}[:.]?\d{2}\s{0,2}(?:[ap]\.?m\.?)?\s{0,2}(?:[A-Z]{2,4})?\s{0,2}\))?"
    r"(?:[\s,]{1,3}" + _DAY + r")?\s{0,2}[\])]?\W{0,2}$",  # "Updated at 12:36 p.m. ET, July 11"
    re.I,
)
#: Bylines: ``By Jane Doe``, ``By Jane Doe and John Roe, Reuters``.
BYLINE_RE = re.compile(
    r"^(?:By|Analysis by|Written by|Reporting by)\s{1,3}(?:the\s{1,3}[A-Z][\w.&'’-]{0,30}\s{1,3})?[A-Z][\w.'’-]{0,30}(?:\s{1,3}(?:[A-Z][\w.'’-]{0,30}|and|&|de|van|von)){0,6}"
    r"(?:\s{1,3}in\s{1,3}[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){0,2})?"
    r"(?:\s{0,3}[,|/—–-]\s{0,3}[^\n]{0,60})?$"
)
#: The affiliation line of a byline block: ``Special for USA TODAY``, ``USA TODAY``.
AFFILIATION_RE = re.compile(
    r"^(?:(?:Special|Exclusive) (?:for|to) (?:the )?[A-Z][\w .&'’-]{1,40}"
    r"|USA TODAY(?: Network)?|(?:The )?Associated Press|Reuters|Bloomberg News|AFP)\W{0,2}$"
)
#: Author bios at the end of opinion pieces: ``Jane Doe is a senior fellow at …``,
#: ``— NRO contributor Victor Davis Hanson is a senior fellow at …``.
BIO_RE = re.compile(
    r"^[•*—–-]?\s{0,3}[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){0,3}[’']s\s{1,3}"
    r"(?:latest|new|newest|most recent|forthcoming)\s{1,3}book\b"
    r"|^[•*—–-]\s{0,3}[^.\n]{0,60}\bis (?:(?:a|an|the)\b[^.\n]{0,60}|[\w-]{1,25} )\b(?:fellow|columnist|contributor"
    r"|editor|correspondent|professor|author|writer|host)\b"
    r"|^[•*—–-]?\s{0,3}[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){1,4}"
    r"(?:\s{1,3}and\s{1,3}[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){1,4})?"
    r"(?:\s{0,3}\(@\w{1,30}\))?,?\s{1,3}(?:(?:is|are|was|were|has been)(?=\s{1,3}(?:a|an|the|also|currently|now|corps"
    r"|formerly|former|senior|chief|co-?founder|founder|president|professor|editor|author"
    r"|director|executive|assistant|associate|managing|deputy|host|secretary|member|chair\w*"
    r"|ambassador|retired|emeritus|partner|co-?author|contributing)\b)|serves as|writes|teaches"
    r"|covers|lives)\b"
    r"[^\n]{0,200}\b(?:columnist|contributor|editor|correspondent|fellow|author|writer|reporter"
    r"|professor|host|director|[Pp]resident|chairman|founder|analyst|economist|editorial|journalis"
    r"|secretary|ambassador|@|twitter|book)",
)

# --------------------------------------------------------------------------------------
# Captions
# --------------------------------------------------------------------------------------

CAPTION_MARK_RE = re.compile(
    r"\b(?:toggle caption|hide caption|image caption|media caption|enlarge this image"
    r"|image copyright|photo credit|caption photo|media playback is unsupported"
    r"|(?:image|photo|slide) \d{1,3} of \d{1,3}|photos?: [^\n]{1,80} photos?:"
    r"|just watched|must watch|replay more videos"
    r"|\bcredit(?:\.\.\.|…)"
    r"|\bon (?:scribd|youtube|vimeo|soundcloud|documentcloud|giphy)\W{0,2}$)"
    # outside the \b group: "\b(" never matches after a space
    r"|\((?:ap |reuters |afp )?photos?: [^()]{1,60}\)",
    re.I,
)
#: Credits closing a caption: ``(AP Photo/Patrick Semansky)``, ``(Jonathan Ernst/Reuters)``,
#: ``(Photo: Alex Wong, Getty Images)``, ``(Prakash Singh/AFP via Getty Images)``.
CREDIT_TAIL_RE = re.compile(
    r"\(\s{0,2}(?:(?:AP|Reuters|AFP|EPA|File|Getty|Pool|Courtesy|Handout)\b[^()]{0,80}"
    r"|(?:Photo|Image|Credit|Picture|Illustration)s?\b[^()]{0,80}"
    r"|[A-Z][\w.'’ -]{0,40}/\s{0,2}[A-Z][\w.'’ &-]{0,40}(?:\s{0,2}(?:/|via)\s{0,2}[A-Z][\w.'’ &-]{0,40}){0,2}"
    r"|[^()]{0,60}\b(?:Getty Images|Shutterstock|iStock|Pixabay|Wikimedia|Flickr|Unsplash)\b"
    r"[^()]{0,30})\)\s{0,2}(?:More)?\W{0,2}$",  # Yahoo appends a "More" button
)
#: A credit closing a caption without parentheses: ``… soon, too. Hector Retamal/Getty Images``.
CREDIT_END_RE = re.compile(
    r"\b[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){0,3}\s{0,2}/\s{0,2}"
    r"(?:(?:AFP|AP|EPA|Reuters|REUTERS|Bloomberg|Pool|Shutterstock|iStock)\s{0,2}(?:via|/)\s{0,2})?"
    r"(?:Getty Images|AP|AFP|Reuters|REUTERS|EPA|Bloomberg|Shutterstock|iStock|NPR|Pool|Handout)"
    r"(?:\s{1,2}(?:Plus|News))?(?:,\s{0,2}(?:FILE|File))?\W{0,2}$"  # ABC: "…/AP, FILE"
    # "… August 8, 2018. REUTERS/Christinne Muschi", "… in Los Angeles. Associated Press"
    r"|(?:REUTERS|Reuters|AFP|AP|EPA|Getty Images)\s{0,2}/\s{0,2}[A-Z][\w.'’ -]{1,40}$"
    r"|[.!?]\s{1,3}(?:Associated Press|AP Photo|Reuters|REUTERS|Getty Images|AFP|EPA"
    r"|Bloomberg News)\W{0,2}$"
    # Politico: "… on Sept. 2, 2014. | Getty Images", "… | AP Photo/Susan Walsh"
    r"|\|\s{0,2}(?:Getty Images|AP(?: Photo)?|Reuters|AFP|EPA|Bloomberg|Shutterstock|POLITICO)"
    r"\b[^|\n]{0,40}$"
    # "… Photograph: Kent Nishimura/LA Times via Getty Images", "… /Getty Images"
    r"|(?:/|\bvia)\s{0,2}Getty Images(?:,\s{0,2}FILE)?\W{0,2}$|\bPhotograph(?:er)?: [^\n]{1,60}$"
    # Esquire: "… memorializes Breonna Taylor. JASON CONNOLLY Getty Images", "NurPhoto Getty Images"
    r"|(?:^|[.!?”]\s{1,3})[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){0,3}\s{1,2}Getty Images\W{0,2}$"
    # charts: "Manufacturing Would Be Hit Hardest … Source: Chad Brown, Peterson Institute"
    r"|\bSource: [A-Z][\w.&'’/-]{0,30}(?:[ ,;/]{1,3}(?:[A-Z0-9][\w.&'’/-]{0,30}|of|and|the|for"
    r"|via|by|on|in|at|de|&)){0,12}\W{0,2}$"
    # "… Nov. 10. Chuck Kennedy / The White House", "… Michael Albans/Associated Press/File 2012"
    r"|[.!?]\s{1,3}[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){1,3}\s{0,2}/\s{0,2}(?:The\s{1,2})?"
    r"[A-Z][\w.&'’-]{0,30}(?:\s{1,2}[A-Z][\w.&'’-]{0,30}){0,3}"
    r"(?:\s{0,2}/\s{0,2}(?:File|FILE)(?:\s{1,2}\d{4})?)?\W{0,2}$"
    # WSJ: "… a look at next week's financial news. Photo: Getty Images."
    r"|[.!?]\s{1,3}(?:Photo|Image|Credit)s?:\s{0,2}[A-Z][^\n.]{1,40}\.?$"
)
#: Cheap necessary condition of ``CREDIT_END_RE`` (every alternative contains one of these):
#: most lines have none, and the full pattern is costly to try at every capital letter.
CREDIT_END_HINT_RE = re.compile(
    r"[/|]|Associated Press|Reuters|REUTERS|Getty|AFP|EPA|Bloomberg|Photo|Image|Credit|Source: "
)
#: A long wire-photo caption closed by its credit: ``… last week. (Photo by Drew Angerer/Getty
#: Images)``; such captions run past the usual caption length, so the credit must be explicit.
PHOTO_BY_TAIL_RE = re.compile(
    r"\((?:Photo|Photograph|Image)s?\s{1,2}(?:by|credit)\b[^()]{1,80}\)\W{0,2}$"
    r"|\([^()]{0,60}Getty Images\)\W{0,2}$"
)
#: Politico glues its section kicker after the credit: ``… is up. | REUTERS ACA headaches: …``.
CREDIT_MID_RE = re.compile(
    r"[.!?”\"]\s{1,3}\|\s{0,2}(?:AP Photos?|Getty Images|Getty|REUTERS|Reuters|AFP|EPA|Bloomberg"
    r"|POLITICO|Shutterstock"
    # "… data from ActBlue. | Alex Wong/Getty Images Elections Democrats find …"
    r"|[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){0,3}\s{0,2}/\s{0,2}"
    r"(?:Getty Images|AP|AFP|Reuters|REUTERS|EPA|Bloomberg|Pool))\b"
)
#: Who is where in a photo: ``Sen. Mike Lee (second right) and Sen. Rand Paul (right) listen``.
PHOTO_POSITION_RE = re.compile(
    r"[A-Z][\w.'’-]{1,30},?(?: \d{1,3},)? \((?:at |far |second |third |fourth |front |back |top "
    r"|bottom |centre |center |from )?(?:left|right|center|centre|top|bottom)\)"
)
#: An artwork credit: ``Caesar crossing the Rubicon by Adolphe Yvon (1875)``; a map's scale
#: bar (``… Erbil Aleppo 50 miles 50 km``).
ARTWORK_CREDIT_RE = re.compile(
    r"^[A-Z][^.!?\n]{0,100}\bby [A-Z][\w.'’-]{0,30}(?: [A-Z][\w.'’-]{0,30}){0,3},? \(\d{4}\)$"
)
MAP_SCALE_RE = re.compile(r"\b\d{1,4} (?:miles|mi) \d{1,4} (?:km|kilometers)\b")
#: A pull quote in CMS markup: ``[sharequote align="center"]Kids are …[/sharequote]``.
SHORTCODE_PAIR_RE = re.compile(r"^\[(\w{2,20})\b[^\]\n]{0,100}\][^\n]{0,600}\[/\1\]$")
#: What a reader clicks or taps on a page: ``Click play to watch …``, ``Click here``.
CLICK_RE = re.compile(
    r"^(?:click|tap)\s{1,3}(?:here|play|to|for|on|below|above|the|through|image|photo|link)\b",
    re.I,
)
#: A hat tip or source credit alone on a line: ``(h/t Right Wing Watch)``, ``H/T: Mediaite``.
HAT_TIP_RE = re.compile(
    r"^[(\[]?\s{0,2}(?:h/t|hat tip|hattip)\b:?\s{0,2}[^()\n]{1,60}[)\]]?\.?$", re.I
)
#: Page navigation: ``Take me back to the top of his post.``, ``Back to top``.
NAV_RE = re.compile(
    r"^(?:(?:take me )?back to (?:the )?top\b|return to (?:the )?top\b|jump to\b)", re.I
)
#: A sign-off: ``Damian Grammaticas, BBC News, Beijing`` (name, newsroom, city).
SIGNOFF_RE = re.compile(
    r"^[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){1,3},\s{1,3}"
    r"(?P<org>[A-Z][\w.&'’-]{0,30}(?:\s{1,3}[A-Z][\w.&'’-]{0,30}){0,3}),\s{1,3}"
    r"[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){0,2}$"
)
NEWSROOM_RE = re.compile(r"\b(?:News|Correspondent|Editor|Reporter|Bureau|Radio|TV|Television)\b")
#: A capitals kicker over another story's headline: ``PHILLY HQ: Joe Biden chooses …``,
#: ``IN THE NEWS: ‘[WATCH] Trump Slams …’`` (the outlet's own notes are excluded).
CAPS_KICKER_RE = re.compile(
    r"(?!UPDATE|CORRECTION|CLARIFICATION|EDITOR|NOTE|Q\b|A\b)[A-Z][A-Z0-9 '’&.-]{1,30}:\s{1,3}[A-Z‘“\"'\[]"
)

#: A related link in parentheses on its own line: ``( PODCAST: Questioning … when?)``.
PAREN_LINK_RE = re.compile(r"^\(\s{0,2}[A-Z][\w'’ ]{1,30}:\s{1,3}[^()]{3,150}[^.]\)$")
#: A credit opening a caption: ``Anthony Wallace / AFP / Getty Images People in Hong Kong …``.
CREDIT_START_RE = re.compile(
    r"^[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){0,3}\s{0,2}/\s{0,2}"
    r"(?:[A-Z][\w.'’&-]{0,30}(?:\s{1,3}[A-Z][\w.'’&-]{0,30}){0,2}\s{0,2}/\s{0,2}){0,2}"
    r"(?:Getty Images|AFP|AP|Reuters|REUTERS|EPA|Bloomberg|NPR|Shutterstock|Pool)\s{1,3}[A-Z]"
)
#: A media embed's credit alone on a short line: ``TV Guide YouTube``, ``C-SPAN Vimeo``,
#: ``MSNBC via YouTube``, ``KTRK-TV ABC13 via AP``.
EMBED_CREDIT_RE = re.compile(
    r"^[A-Z][\w.'’&-]{0,30}(?:\s{1,2}[A-Z0-9][\w.'’&-]{0,30}){0,4}\s{1,2}"
    r"(?:YouTube|Vimeo|Instagram|Twitter|Facebook|SoundCloud|Giphy|GIPHY"
    r"|via\s{1,2}(?:YouTube|Vimeo|Instagram|Twitter|Facebook|AP|Reuters|Getty Images))$"
)
#: A credit alone on a line: ``Alex Wong/Getty Images``, ``Photo by Sean Ryan``, ``AP``.
CREDIT_ONLY_RE = re.compile(
    r"^[(\[]?\s{0,2}(?:(?:[Pp]hoto|PHOTO|[Ii]mage|[Pp]icture|[Vv]ideo|[Gg]raphic|[Ii]llustration)s?"
    r"(?:\s{0,2}(?:[Bb]y|:|[Cc]redit:?|[Cc]ourtesy(?: of)?))[^\n]{0,80}"
    r"|[A-Z][\w.'’-]{0,30}(?:\s{1,3}[A-Z][\w.'’-]{0,30}){0,4}\s{0,2}"
    r"(?:/\s{0,2}[A-Z][\w.'’-]{0,30}(?:\s{1,3}[\w.'’-]{1,30}){0,4}){1,3}(?:\s{1,2}via [^\n]{1,40})?"
    r"|(?:AP|AFP|Reuters|REUTERS|EPA|Getty Images|Shutterstock|AP Photo|Pool|Handout|File|FILE)\b"
    r"[^\n]{0,40})"
    r"[)\]]?\s{0,2}$",
)
#: Caption-only keywords for a whole short line.
CAPTION_LINE_RE = re.compile(
    r"^(?:photo|photos|video|image|images|slideshow(?: \(\d{1,3} images?\))?|\[image\]"
    r"|(?:prev|previous|next)(?: image)?(?: \d{1,3} of \d{1,3})?(?: (?:prev|previous|next))?"
    r"|(?:prev|next) image \d{1,3} of \d{1,3}|play video|watch video|gallery|graphic)\W{0,3}$",
    re.I,
)
#: USA TODAY/Gannett video blurbs open with the player's CLOSE button; AP file captions
#: open with FILE -.
CAPTION_START_RE = re.compile(
    r"^(?:CLOSE\b|FILE\s{0,2}[-–—]|FILE PHOTO\b|IMAGE:|PHOTO:|VIDEO:|(?:WATCH |VIDEO )?ABOVE:"
    r"|PICTURED:|BELOW:)"
)

# --------------------------------------------------------------------------------------
# Literal gates
# --------------------------------------------------------------------------------------
# Python's ``re`` cannot skip ahead on a case-insensitive alternation, so each costly
# pattern is only tried on lines (lower-cased) that contain one of these literals; every
# match of the pattern contains at least one of them.

LEGAL_KEYS = (
    "©", "(c)", "copyright", "rights reserved", "reprint", "may not be", "redistributed",
    "terms of", "privacy", "expressed", " own", "this article", "this story", "this post",
    "appeared", "published", "transcript", "contributed", "wire service", "contributing:",
    " reported from", " reported in", "third party", "partnership", "collaboration",
    "necessarily", "licensed",
    "content", "without charge", "assistance",
)  # fmt: skip
CTA_ANY_KEYS = (
    "sign up", "signing up", "subscri", "flipboard", "click here", "share th", "follow", "like us on",
    "download", " app", "read more", "read the full", "continue reading", "keep reading",
    "story continues", "continued below", "read or share", "stay up", "stay informed",
    "in the know", "interest", "inbox", "for more", "visit", "see all editions", "tip",
    "send letters", "send ", "javascript", " here", "read on", "read at", "you can", "information about",
    "thank", "chip in", "supported", "latest issue", "journalism", "be the first", "newsletter",
    "help us", "become a", "copy this code", "conversation", "want to hear", "refresh",
    "enjoyed this", "liked this", "like this",
)  # fmt: skip
CAPTION_MARK_KEYS = (
    "caption", "enlarge this", "image", "photo", "media playback", "slide", "watch", "more videos",
    "scribd", "youtube", "vimeo", "soundcloud", "documentcloud", "giphy", "credit...", "credit…",
)  # fmt: skip
POST_LINK_KEYS = ("t.co/", "pic.twitter", "twitter.com/", "instagram.com/p/", "facebook.com/")
AD_ANY_KEYS = ("advertisement", "hidden ad unit", "story continued below")


def has_any(low: str, keys: tuple[str, ...]) -> bool:
    """True when the (lower-cased) line contains one of ``keys``."""
    return any(map(low.__contains__, keys))


#: ``More:Headline``, ``Will Kennedy retire?:No vacancy (yet)…`` — USA TODAY and MarketWatch
#: glue the label of a related link to its headline with no space after the colon.
GLUED_LABEL_RE = re.compile(r"^[^\s:][^:\n]{0,50}[^\s\d:]:(?=[A-Z‘“\"'])")
#: CMS placeholders left at the start of a paragraph (National Review's ``#related#``).
LEAD_MARKER_RE = re.compile(r"#[a-z_]{2,30}#")  # used with .match(text, pos): no "^"
#: Labels that head a list of related links when they stand alone on a line.
BARE_LABEL_RE = re.compile(
    r"^(?:related (?:articles|stories|coverage|content|links|reading)|more on this\W{0,4}"
    r"|more (?:stories|coverage|news)|read more|see also|recommended|you (?:may|might) also like"
    r"|further reading|reading list|more from [\w ]{1,25}|editor'?s note|filed under|tags|topics"
    r"|(?:more )?(?:great |top |other |recent |latest |popular )?(?:stories|articles) from [\w ]{1,25}"
    r"|for more information|(?:must|key) reads|[\w’' ]{0,30}\b(?:friday|weekend|daily|weekly|morning"
    r"|evening|wednesday|monday|tuesday|thursday|saturday|sunday|related|useful|more) links"
    r"|links)\W{0,4}$"
    r"|^more on [\w ]{1,40}$",
    re.I,
)

#: Op-ed disclaimers, often glued to the author's bio in one long line.
DISCLAIMER_RE = re.compile(
    r"(?:opinions|views) expressed in this (?:commentary|column|article|piece) (?:are|belong)",
    re.I,
)
#: The opening of a related-link line that may head a list of further headlines.
LIST_LEAD_RE = re.compile(
    r"(?:read more|related|see also|also read|read also|recommended|more on|more from"
    r"|more coverage|further reading|you (?:may|might) also like)\b",
    re.I,
)
#: A dated headline of a related-stories timeline: ``Jan. 9: In extraordinary public
#: negotiation with Congress, Trump promises to sign DACA bill`` (not a sentence: ``April 3:
#: This story was updated …`` is an update note).
DATED_HEADLINE_RE = re.compile(
    r"^(?:(?:Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\.|March|April|May|June|July)\s\d{1,2}:\s"
    r"[A-Z‘“\"'0-9][^\n]{10,150}[^.:;,]$"
)
#: A section kicker glued to a related headline: ``Opinion: Will real change come …``,
#: ``EDITORIAL: Obama's Shameful Parting Shot at Israel``, ``Belief blog: How U.S. Jews …``.
KICKER_HEADLINE_RE = re.compile(
    r"^(?:opinion|analysis|editorial|commentary|perspective|explainer|ireport|belief blog"
    r"|live blog|on the ground|interactive|timeline|gallery|quiz|poll)\s{0,2}:\s{1,3}[A-Z‘“\"'0-9]",
    re.I,
)
#: A call to follow or comment on the outlet's social accounts: ``Add Changing America to your
#: Facebook and Twitter feeds …``, ``… comment … through our Facebook, Twitter, YouTube …``.
SOCIAL_CTA_RE = re.compile(
    r"\b(?i:add|follow|join|like|comment|connect|find|subscribe|share|visit|check)\b"
    r"[^\n]{0,120}\b(?:[Oo]ur|[Yy]our|us)\b|\b(?:[Oo]ur|[Yy]our|us)\b[^\n]{0,120}"
    r"\b(?i:add|follow|join|like|comment|connect|find|subscribe|share|visit|check)\b"
)  # "us", not "US tech giants"
#: … and the platform named as a place to go ("on Twitter", "to your Facebook"), which prose
#: about the companies rarely does ("Using your phone to follow Twitter or Facebook").
PLATFORM_PREP_RE = re.compile(
    r"\b(?:on|to|through|via|at) (?:our |your |the )?(?:Facebook|Twitter|Instagram|YouTube)\b"
)
SOCIAL_PLATFORMS = ("facebook", "twitter", "instagram", "youtube")
#: A labelled link alone on a line: ``Source: http://…``, ``Artist: http://incompetech.com/``.
LABEL_URL_RE = re.compile(r"^[A-Z][\w ]{0,20}:\s{0,2}(?:https?://|www\.)\S{1,300}$")
#: A date alone on a line (``8/13/2018``, ``2018-05-23``): the page's timestamp.
NUMERIC_DATE_RE = re.compile(r"^[\[(]?\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}[\])]?$")
#: A bare domain name on a line of its own (``OilPrice.com``): a source or partner credit.
DOMAIN_ONLY_RE = re.compile(
    r"^[A-Za-z0-9][\w-]{0,40}(?:\.[\w-]{1,40}){0,3}\.(?:com|org|net|gov|edu|info|io|us|co\.uk)$"
)
#: Player or image markup left as text: ``poster="http://v.politico.com/….jpg" 2016 Poll: …``.
ATTR_MARKUP_RE = re.compile(r"^[a-z][a-z-]{1,20}=[\"'](?:https?:)?//[^\s\"']{4,}")
#: Where to follow the author: ``SPLC staff writer Gabriel Greschle is on Twitter @ggreschler.``
FOLLOW_HANDLE_RE = re.compile(
    r"^[^\n.]{3,80}\b(?:is|are) on (?:Twitter|Instagram|Facebook)\b[^\n.]{0,20}@\w{1,30}\.?$"
)
#: A CMS token alone on a line: ``[pullquote]``, ``[related]``.
CMS_TOKEN_RE = re.compile(r"^\[[\w /=_.-]{1,40}\]$|^#\w{2,20}#$")
#: A stock-quote widget flattened into a line (Fox Business): its column header, then rows.
TICKER_WIDGET_RE = re.compile(r"^Ticker\s{1,3}Security\s{1,3}Last\s{1,3}Change\b")

#: Lower-case words of which ``LONG_PROMO_RE`` needs one (a cheap test first on long lines).
LONG_PROMO_KEYS = ("signing up", "newsletter", "help us report", "become a member")
#: Promotions long enough to escape the short-line rules (NYT's newsletter box).
LONG_PROMO_RE = re.compile(
    r"by signing up|you must select a newsletter|help us report|become a member"
    r"|sign up for (?:our|the) [\w ]{1,30}newsletter",
    re.I,
)
