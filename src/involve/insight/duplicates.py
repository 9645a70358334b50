"""Identical and nearly identical comments grouped, within one organisation: an organised campaign, a
copied template letter, the same person answering twice.

- **Identical**: the same `text_hash` (the normalised text: case, spacing and punctuation folded) in the
  organisation, two comments or more. Short ones count too ("Nothing", "N/A"): they are grouped so an
  analyst may count them once, but a group is a *campaign* only when a person says so (`is_campaign`,
  set by `mark_campaign`, audited); nothing here sets it.
- **Nearly identical**: character n-gram (`char_wb`, 3–5 characters) cosine of at least
  NEAR_THRESHOLD, only between texts of at least MIN_WORDS words (short texts are too alike by chance).
  Identical comments are compared once (one row per distinct text), and links join their groups
  (connected components), so a template letter with several names changed is one group.

Measured (character n-gram term frequencies, l2-normalised; tests/insight/test_duplicates.py): a template
letter with the name changed scores 0.92 (two sentences) to 0.95 (three); "I waited too long to be seen in
the clinic today" against "I waited a long time to be seen by the doctor in the clinic today" 0.82;
"waited too long" against "waited a long time for the doctor" 0.55; two different complaints about one
ward 0.44; "The nurses were kind …" against "The doctors were kind …" (same sentence, one word changed)
0.90, and against its negation 0.85. NEAR_THRESHOLD 0.91 keeps the letters and none of the others.

Scale: the distinct long texts are sorted by length and compared block against block (sparse matrix
products of BLOCK × BLOCK rows), skipping pairs of blocks whose lengths differ by more than
LENGTH_RATIO (texts that different in length cannot reach the threshold in practice), so memory stays
bounded (one block product at a time) and the work grows far less than with the square of the number.
20,000 distinct long comments took 23 s here (2 shared cores; two thirds of it building the n-grams),
grouping 18,819 pairs; 5,000 took 4.6 s.
"""

import dataclasses
from collections import Counter, defaultdict

import numpy as np
from django.db import transaction
from django.db.models import Count

from involve.audit import services as audit

from . import audit_actions_pages  # noqa: F401  (registers insight.duplicate_campaign)
from .models import Comment, DuplicateGroup

MIN_WORDS = 8
NEAR_THRESHOLD = 0.91
BLOCK = 1000
LENGTH_RATIO = 1.3


@dataclasses.dataclass
class Result:
    groups: int
    identical: int
    near: int
    grouped_comments: int


class _Union:
    def __init__(self, n):
        self.parent = list(range(n))

    def find(self, i):
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _vectorise(texts):
    from sklearn.feature_extraction.text import TfidfVectorizer

    # No inverse document frequency: with it, a pair's score depends on the organisation's other comments
    # (a template letter scored 0.86 against a realistic corpus, 0.75 against three others), so groups would
    # change when unrelated comments arrive. Term frequencies alone give the same score whatever the corpus.
    vectoriser = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), lowercase=True, use_idf=False, dtype=np.float32
    )
    return vectoriser.fit_transform(texts)


def near_pairs(texts, *, threshold=NEAR_THRESHOLD, block=BLOCK, length_ratio=LENGTH_RATIO):
    """Pairs (i, j), i < j, of `texts` whose character n-gram TF-IDF cosine is at least `threshold`."""
    if len(texts) < 2:
        return []
    matrix = _vectorise(texts).tocsr()
    lengths = np.array([len(t) for t in texts])
    order = np.argsort(lengths, kind="stable")
    matrix = matrix[order]
    lengths = lengths[order]
    starts = list(range(0, len(texts), block))
    pairs = []
    for bi, i0 in enumerate(starts):
        i1 = min(i0 + block, len(texts))
        rows = matrix[i0:i1]
        longest = lengths[i1 - 1]
        for j0 in starts[bi:]:
            if lengths[j0] > longest * length_ratio:
                break  # every later block is longer still
            j1 = min(j0 + block, len(texts))
            product = (rows @ matrix[j0:j1].T).tocoo()
            keep = product.data >= threshold
            for a, b in zip(product.row[keep] + i0, product.col[keep] + j0, strict=True):
                if a < b:
                    pairs.append(
                        (int(order[a]), int(order[b])) if order[a] < order[b] else (int(order[b]), int(order[a]))
                    )
    return pairs


def _word_count(text):
    return len(text.split())


def _components(rows, *, keep_links=()):
    """Groups of comment ids from rows (id, text_hash, text, received_at, group id): lists of ids, each with
    its kind, representative first."""
    by_hash = defaultdict(list)
    texts = {}
    for pk, text_hash, text, received_at, _ in rows:
        by_hash[text_hash].append((received_at, pk))
        texts.setdefault(text_hash, text)
    hashes = list(by_hash)
    index = {h: i for i, h in enumerate(hashes)}
    union = _Union(len(hashes))
    long_hashes = [h for h in hashes if _word_count(texts[h]) >= MIN_WORDS]
    for a, b in near_pairs([texts[h] for h in long_hashes]):
        union.join(index[long_hashes[a]], index[long_hashes[b]])
    hash_of = {pk: h for pk, h, *_ in rows}
    for a, b in keep_links:
        union.join(index[hash_of[a]], index[hash_of[b]])
    members = defaultdict(list)
    for h in hashes:
        members[union.find(index[h])].append(h)
    groups = []
    for component in members.values():
        comments = sorted(c for h in component for c in by_hash[h])
        if len(comments) < 2:
            continue
        kind = DuplicateGroup.Kind.IDENTICAL if len(component) == 1 else DuplicateGroup.Kind.NEAR
        groups.append((kind, [pk for _, pk in comments]))
    return groups


def _rows(organisation_id):
    """(id, text hash, text compared, received, group) of each comment; the masked text is compared
    (a name changed in a template letter is masked alike), the text where nothing was masked yet."""
    rows = (
        Comment.objects.filter(organisation_id=organisation_id)
        .order_by("pk")
        .values_list("pk", "text_hash", "masked_text", "text", "received_at", "duplicate_group_id")
    )
    return [(pk, h, masked or text, received, group) for pk, h, masked, text, received, group in rows]


def _save(organisation_id, groups, rows):
    """Store `groups` for the organisation, keeping each group row (and its campaign mark) where most of its
    members were before; groups left empty are deleted."""
    previous = {pk: group for pk, *_, group in rows}
    existing = set(DuplicateGroup.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True))
    claimed = set()
    assignment = {}
    for kind, members in groups:
        votes = Counter(previous[pk] for pk in members if previous[pk] in existing and previous[pk] not in claimed)
        if votes:
            group_id = votes.most_common(1)[0][0]
            DuplicateGroup.objects.filter(pk=group_id).update(
                kind=kind, size=len(members), representative_id=members[0]
            )
        else:
            group_id = DuplicateGroup.objects.create(
                organisation_id=organisation_id, kind=kind, size=len(members), representative_id=members[0]
            ).pk
        claimed.add(group_id)
        for pk in members:
            if previous[pk] != group_id:
                assignment[pk] = group_id
    grouped = {pk for _, members in groups for pk in members}
    ungroup = [pk for pk, group in previous.items() if group is not None and pk not in grouped]
    by_group = defaultdict(list)
    for pk, group_id in assignment.items():
        by_group[group_id].append(pk)
    for group_id, pks in by_group.items():
        for start in range(0, len(pks), 500):
            Comment.objects.filter(pk__in=pks[start : start + 500]).update(duplicate_group_id=group_id)
    for start in range(0, len(ungroup), 500):
        Comment.objects.filter(pk__in=ungroup[start : start + 500]).update(duplicate_group=None)
    DuplicateGroup.objects.filter(organisation_id=organisation_id).exclude(pk__in=claimed).delete()
    kinds = Counter(kind for kind, _ in groups)
    return Result(len(groups), kinds[DuplicateGroup.Kind.IDENTICAL], kinds[DuplicateGroup.Kind.NEAR], len(grouped))


def regroup_organisation(*, organisation, by=None):
    """Group every comment of the organisation afresh (groups that stay keep their campaign mark)."""
    organisation_id = getattr(organisation, "pk", organisation)
    with transaction.atomic():
        rows = _rows(organisation_id)
        return _save(organisation_id, _components(rows), rows)


def assign_groups(comments):
    """Group newly created comments with the rest of their organisation (called by the pipeline).

    Groups already made stay together (their members are linked), so a person's campaign mark is kept;
    a new comment joins the group of the text it matches, or makes a new group with it."""
    organisations = {c.organisation_id for c in comments}
    results = {}
    for organisation_id in sorted(organisations):
        with transaction.atomic():
            rows = _rows(organisation_id)
            members = defaultdict(list)
            for pk, *_, group in rows:
                if group is not None:
                    members[group].append(pk)
            links = [(pks[0], other) for pks in members.values() for other in pks[1:]]
            results[organisation_id] = _save(organisation_id, _components(rows, keep_links=links), rows)
    return results


def mark_campaign(*, group, is_campaign, by):
    """A person says whether the group is an organised campaign (EDIT in its organisation; audited)."""
    with transaction.atomic():
        group = DuplicateGroup.objects.select_for_update().get(pk=group.pk)
        old = group.is_campaign
        if old == is_campaign:
            return group
        group.is_campaign = is_campaign
        group.save(update_fields=["is_campaign"])
        audit.record(
            action="insight.duplicate_campaign",
            by=by,
            organisation=group.organisation_id,
            target=group,
            old={"is_campaign": old},
            new={"is_campaign": is_campaign},
        )
    return group


def group_summary(queryset):
    """Counts of groups and grouped comments by kind (for the duplicates page)."""
    return {
        row["kind"]: (row["groups"], row["comments"])
        for row in queryset.values("kind").annotate(groups=Count("pk"), comments=Count("comments")).order_by()
    }
