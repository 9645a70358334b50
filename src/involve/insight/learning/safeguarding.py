"""Safeguarding flags: curated rules that favour recall, plus the model's 'Feeling safe' score.

A flag is a prompt for a person to read the comment, never a decision: the rules would rather
flag an ordinary comment than miss one about abuse, neglect, self-harm, violence or a serious
incident. Negation is honoured only where it is clearly safe ("felt safe", "no abuse" is not
treated as safe: "I was not safe" and "no one stopped the abuse" must still flag).
"""

import re

FEELING_SAFE = "Feeling safe"
FEELING_SAFE_THRESHOLD = 0.5

# (reason, pattern). Patterns are matched case-insensitively on the text with spacing folded;
# common misspellings are part of the patterns.
_RULES = [
    (
        "Mentions self-harm or suicide",
        r"\b(kill(ing)?\s+my\s*self|killed\s+my\s*self|end(ing)?\s+(it\s+all|my\s+life)|take\s+my\s+(own\s+)?life"
        r"|suicid\w*|sucid\w*|suicd\w*|self[\s-]*harm\w*|harm(ing)?\s+my\s*self|hurt(ing)?\s+my\s*self"
        r"|cut(ting)?\s+my\s*self|overdos\w*|want(ed)?\s+to\s+die|better\s+off\s+dead|no\s+reason\s+to\s+live"
        r"|don'?t\s+want\s+to\s+(be\s+here|live)|hang(ing)?\s+my\s*self)",
    ),
    (
        "Mentions physical abuse or violence",
        r"\b((hits?|hitting|kicks?|kicking|punch(es)?|slaps?|slapping|beats?|beating)\s+(me|him|her|them|us|patients?|residents?|my\s+(mum|mam|mom|dad|mother|father|son|daughter|wife|husband|partner|child|brother|sister|nan|gran))|hit\s+me|hitting\s+me|(was|been|got|being)\s+(hit|kicked|punched|slapped|beaten)|(hit|kicked|punched|slapped)\s+by|hit\s+(him|her|them|my)|slapp?ed|punch(ed|ing)?|kick(ed|ing)\s+(me|him|her)"
        r"|beat(en)?\s+(me|him|her|up)|pushed\s+me|shov(ed|ing)|assault\w*|assualt\w*|physical(ly)?\s+abus\w*"
        r"|manhandl\w*|rough(ly)?\s+handl\w*|bruis\w*|grabb?ed\s+(me|my|him|her)|strangl\w*|chok(ed|ing)\s+(me|him|her))",
    ),
    (
        "Mentions sexual abuse or harassment",
        r"\b(sexual(ly)?\s+(abus\w*|assault\w*|harass\w*|inappropriate)|rap(e|ed|ist)|molest\w*|grop(e|ed|ing)"
        r"|touched\s+me\s+(inappropriately|sexually)|inappropriate(ly)?\s+touch\w*|indecent\w*|sexual\s+comments?)",
    ),
    (
        "Mentions emotional abuse, bullying or intimidation",
        r"\b(emotional(ly)?\s+abus\w*|psychological(ly)?\s+abus\w*|verbal(ly)?\s+abus\w*|bull(y|ied|ying)"
        r"|intimidat\w*|humiliat\w*|threaten\w*|threats?|scream(ed|ing)\s+at|shout(ed|ing)\s+at\s+(me|him|her|them|my|patients?)"
        r"|degrad(ed|ing)|belittl\w*|mock(ed|ing)\s+(me|him|her))",
    ),
    (
        "Mentions financial abuse or theft",
        r"\b(financial(ly)?\s+abus\w*|stole|stolen|steal\w*|theft|took\s+my\s+(money|bank\s*card|card|purse|wallet)"
        r"|money\s+(went\s+)?missing|missing\s+money|pressured\s+(me\s+)?(to|into)\s+(pay|give|sign))",
    ),
    (
        "Mentions abuse",
        r"\b(abus(e|ed|ing|ive)|abuze\w*|mistreat\w*|maltreat\w*|ill[\s-]treat\w*|cruel\w*)",
    ),
    (
        "Mentions neglect",
        r"\b(neglect\w*|negelect\w*|neglet\w*|left\s+(in|on)\s+(soiled|wet|dirty|urine|faeces|feces|my\s+own|his\s+own|her\s+own)"
        r"|left\s+(lying\s+)?(on|in)\s+the\s+floor|left\s+(alone\s+)?for\s+\d+\s+hours\s+without"
        r"|no\s+(food|water|drink)\s+for|(not|never|wasn'?t|weren'?t)\s+(fed|given\s+(food|water|a\s+drink))"
        r"|bed\s*sores?|pressure\s+(sores?|ulcers?)|dehydrat\w*|starv\w*|soiled|sat\s+in\s+(urine|faeces|his\s+own|her\s+own))",
    ),
    (
        "Mentions violence or a threat to others",
        r"\b(kill(ing)?\s+(him|her|them|someone|somebody|you|staff)|stab(bed|bing)?|weapon|knife|gun\b|attack(ed|ing)?"
        r"|violen\w*|hurt\s+(someone|somebody|others|people|staff|you)|going\s+to\s+(hurt|harm))",
    ),
    (
        "Mentions a serious incident",
        r"\b(wrong\s+(medication|medicine|drug|dose|dosage|tablets?|patient|leg|arm|side)|medication\s+error"
        r"|(given|gave\s+me|got)\s+(someone\s+else'?s|another\s+patient'?s)\s+(medication|medicine|tablets?)"
        r"|double\s+dose|missed\s+(dose|doses|medication)|overdosed|(had|has|have)\s+a\s+fall|fell\s+(over|out|down|off)|\bfell\b"
        r"|died|dead\b|death|passed\s+away|never\s+event|restrain(ed|t|ing)?|resrain\w*|held\s+down|pinned\s+down"
        r"|seclu(sion|ded)|unconscious|cardiac\s+arrest|stopped\s+breathing|serious\s+incident|near\s+miss"
        r"|absconded|went\s+missing)",
    ),
    (
        "Says they did not feel safe",
        r"\b((not|never|didn'?t|did\s+not|don'?t|do\s+not|wasn'?t|was\s+not)\s+(feel\s+|felt\s+)?safe|unsafe|in\s+danger"
        r"|scared\s+for\s+my\s+(life|safety)|afraid\s+for\s+my\s+(life|safety)|fear(ed)?\s+for\s+my\s+(life|safety))",
    ),
    (
        "Mentions domestic abuse or coercion",
        r"\b(domestic\s+(abuse|violence)|coercive\s+control|coerc\w*|controlling\s+(partner|husband|wife|boyfriend|girlfriend))",
    ),
]

_COMPILED = [(reason, re.compile(pattern, re.IGNORECASE)) for reason, pattern in _RULES]

# Clearly safe phrases removed before matching: they contain a trigger word but say the opposite.
_SAFE = re.compile(
    r"\b(no\s+(concerns?|worries|issues)\s+(about|with)\s+(safety|safeguarding)"
    r"|felt\s+(very\s+|so\s+|completely\s+)?safe(?!\s*guard)|feel\s+(very\s+|so\s+)?safe"
    r"|pain\s+killers?|painkillers?|side\s+effects?\s+(were|was)\s+explained)",
    re.IGNORECASE,
)
# Negated safety: "did not feel safe" contains "feel safe", so it is kept (not removed) by checking it first.
_NEGATED_SAFE = re.compile(r"\b(not|never|n'?t)\s+(\w+\s+){0,2}(feel|felt)\s+(\w+\s+)?safe", re.IGNORECASE)


def _quote(match_text: str) -> str:
    return " ".join(match_text.split())


def assess(text, prediction=None) -> list[str]:
    """The reasons to flag a comment for a safeguarding review, in plain words; empty if none."""
    text = " ".join(str(text or "").split())
    reasons = []
    if text:
        cleaned = text if _NEGATED_SAFE.search(text) else _SAFE.sub(" ", text)
        for reason, pattern in _COMPILED:
            match = pattern.search(cleaned)
            if match:
                reasons.append(f"{reason}: '{_quote(match.group(0))}'")
    if prediction is not None:
        probability = (getattr(prediction, "probabilities", None) or {}).get(FEELING_SAFE)
        # 'Feeling safe' comments are mostly "I felt safe"; only a comment not read as positive is flagged.
        positive = getattr(prediction, "sentiment3", None) == "positive"
        if probability is not None and probability >= FEELING_SAFE_THRESHOLD and not positive:
            reasons.append(f"The theme model links it to 'Feeling safe' (probability {probability:.2f})")
    return reasons
