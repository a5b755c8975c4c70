"""English stop words left out of top terms and summary scoring."""

from __future__ import annotations

# A compact list of English function words; contractions are listed both with
# the ASCII and the typographic apostrophe because tokens keep either.
_WORD_LIST = """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
i'm i've if in into is isn't it it's its itself just let's me more most mustn't my myself
no nor not now of off on once only or other ought our ours ourselves out over own same shan't
she she'd she'll she's should shouldn't so some such than that that's the their theirs them
themselves then there there's these they they'd they'll they're they've this those through
to too under until up us very was wasn't we we'd we'll we're we've were weren't what what's
when when's where where's which while who who's whom why why's will with won't would
wouldn't you you'd you'll you're you've your yours yourself yourselves
"""
_WORDS = _WORD_LIST.split()

STOP_WORDS: frozenset[str] = frozenset(_WORDS) | frozenset(
    word.replace("'", "\u2019") for word in _WORDS
)
