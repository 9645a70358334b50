"""The theme and sentiment model: TF-IDF features, one logistic regression per label, tuned thresholds.

Method (chosen by cross-validation on the training split only; see train()):
- features: word 1-2-gram and char_wb 2-5-gram TF-IDF (sublinear tf), plus the kind of question the
  comment answers (what was good / what could improve / why / other), one-hot;
- themes: one binary logistic regression per label (one-vs-rest); each label's decision threshold is
  the one that maximised that label's F1 on out-of-fold predictions of a grouped K-fold inside the
  training data; a comment always gets at least one label (the one closest to its threshold);
- sentiment: one multinomial logistic regression over the five classes; the three-point sentiment
  is derived from its probabilities (1-2 positive, 3 neutral, 4-5 negative);
- an empty, whitespace, punctuation- or emoji-only or 'Did not answer' text is 'Labelling not
  possible' with neutral sentiment, by rule, and never reaches the classifiers.

Prediction is one product of the batch's tf-idf rows with the stacked weights, so it is fast; the model holds only
the vectorisers' vocabularies and the weight matrices (no training comments: every n-gram kept
occurs in at least two training comments, min_df=2, and scikit-learn's `stop_words_`, which would
list the rare n-grams cut, is never kept). Loading and predicting need only numpy.
"""

import datetime
import functools
import hashlib
import json
import pickle
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import framework
from .data import LABELLING_NOT_POSSIBLE, Example, is_unlabellable, normalise, training_data_sha256

VERSION = "1.0"
METHOD = (
    "tfidf-word12-char25+question / one-vs-rest logistic regression, CV-tuned thresholds / multinomial LR sentiment"
)
ARTEFACTS = Path(__file__).resolve().parent.parent / "artefacts"
SEED = 42
SPARSE_LABEL_SUPPORT = 5  # labels with fewer training examples than this are flagged in the metrics

QUESTION_KINDS = ("good", "improve", "why", "other", "none")
SENTIMENT3 = {1: "positive", 2: "positive", 3: "neutral", 4: "negative", 5: "negative"}

# Chosen by 3-fold grouped cross-validation on the training split only (comments with text, tuned
# thresholds): C=8 balanced micro-F1 0.704 / macro 0.568; C=2 balanced 0.706 / 0.554; C=30 balanced
# 0.705 / 0.567; C=8 unweighted 0.706 / 0.548; C=4 positive weight 3: 0.708 / 0.552.
DEFAULTS = {"C": 8.0, "sentiment_C": 4.0, "class_weight": "balanced", "folds": 5, "max_word": 30000, "max_char": 60000}


def question_kind(question: str | None) -> str:
    q = normalise(question or "")
    if not q:
        return "none"
    if re.search(r"\b(improve|better|change|differently)\b", q):
        return "improve"
    if re.search(r"\b(good|satisfied|well|like)\b", q):
        return "good"
    if re.search(r"\bwhy\b", q):
        return "why"
    return "other"


@dataclass
class Prediction:
    probabilities: dict
    labels: list
    sentiment3: str
    sentiment5: int
    certainty: float
    sentiment_probabilities: dict = field(default_factory=dict)


_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
_WHITE_SPACES = re.compile(r"\s\s+")


class Tfidf:
    """A fitted TF-IDF vectoriser reduced to its vocabulary and idf weights.

    It reproduces scikit-learn's TfidfVectorizer(lowercase, sublinear_tf, norm='l2') transform for the
    'word' and 'char_wb' analysers exactly (tests check this), so loading and predicting need neither
    scikit-learn (slow to import) nor scipy; scikit-learn is used to fit it.
    """

    def __init__(self, analyzer, ngram_range, vocabulary, idf):
        self.analyzer = analyzer
        self.ngram_range = tuple(ngram_range)
        self.vocabulary_ = vocabulary
        self.idf = np.asarray(idf, dtype=np.float32)

    @classmethod
    def from_sklearn(cls, vectoriser):
        vocabulary = {term: int(index) for term, index in vectoriser.vocabulary_.items()}
        return cls(vectoriser.analyzer, vectoriser.ngram_range, vocabulary, vectoriser.idf_)

    def _ngrams(self, text):
        low, high = self.ngram_range
        text = text.lower()
        if self.analyzer == "word":
            tokens = _TOKEN.findall(text)
            grams = list(tokens) if low == 1 else []
            for n in range(max(low, 2), min(high, len(tokens)) + 1):
                grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            return grams
        grams = []
        for word in _WHITE_SPACES.sub(" ", text).split():
            grams.extend(self._word_grams(word))
        return grams

    def _word_grams(self, word):
        """char_wb n-grams of one word, as scikit-learn makes them (a word shorter than n counts once)."""
        word = f" {word} "
        length = len(word)
        low, high = self.ngram_range
        grams = []
        for n in range(low, high + 1):
            if n >= length:
                grams.append(word)
                break
            grams.extend([word[i : i + n] for i in range(length - n + 1)])
        return grams

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_cache", None)
        return state

    def _indices(self, text):
        """Vocabulary indices of a text's n-grams (char_wb: memoised per word, as words repeat a lot)."""
        vocabulary = self.vocabulary_
        if self.analyzer == "word":
            return [i for i in map(vocabulary.get, self._ngrams(text)) if i is not None]
        cache = self.__dict__.setdefault("_cache", {})
        indices = []
        for word in _WHITE_SPACES.sub(" ", text.lower()).split():
            known = cache.get(word)
            if known is None:
                known = [i for i in map(vocabulary.get, self._word_grams(word)) if i is not None]
                if len(cache) < 100_000:
                    cache[word] = known
            indices.extend(known)
        return indices

    def rows(self, texts):
        """Per text, (feature indices, l2-normalised tf-idf values) as numpy arrays."""
        result = []
        for text in texts:
            counts: dict[int, int] = {}
            for index in self._indices(text):
                counts[index] = counts.get(index, 0) + 1
            indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            values = np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts))) + 1.0
            values *= self.idf[indices]
            norm = float(np.sqrt(values @ values)) if len(values) else 0.0
            result.append((indices, values / norm if norm else values))
        return result


class Featuriser:
    """Text and question -> one row per comment: word TF-IDF | char_wb TF-IDF | question kind."""

    def __init__(self, max_word=30000, max_char=60000):
        self.max_word = max_word
        self.max_char = max_char
        self.word = None
        self.char = None

    @staticmethod
    def _clean(texts):
        return [normalise(t) for t in texts]

    def fit(self, texts, questions):
        from sklearn.feature_extraction.text import TfidfVectorizer

        cleaned = self._clean(texts)
        # min_df=2: an n-gram seen in only one training comment (a name, a phone number) is not kept.
        # Only the vocabulary and idf are kept (Tfidf.from_sklearn), never sklearn's `stop_words_`,
        # which lists the rare n-grams cut.
        word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=self.max_word)
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, max_features=self.max_char
        )
        self.word = Tfidf.from_sklearn(word.fit(cleaned))
        self.char = Tfidf.from_sklearn(char.fit(cleaned))
        return self

    @property
    def n_features(self):
        return len(self.word.vocabulary_) + len(self.char.vocabulary_) + len(QUESTION_KINDS)

    def rows(self, texts, questions):
        """Per comment, (feature indices, values) over the whole feature space."""
        cleaned = self._clean(texts)
        offset_char = len(self.word.vocabulary_)
        offset_question = offset_char + len(self.char.vocabulary_)
        result = []
        for (wi, wv), (ci, cv), question in zip(
            self.word.rows(cleaned), self.char.rows(cleaned), questions, strict=True
        ):
            kind = offset_question + QUESTION_KINDS.index(question_kind(question))
            result.append(
                (np.concatenate([wi, ci + offset_char, [kind]]), np.concatenate([wv, cv, [1.0]]).astype(np.float32))
            )
        return result

    def transform(self, texts, questions):
        """A scipy CSR matrix (for training)."""
        from scipy import sparse

        rows = self.rows(texts, questions)
        indptr = np.cumsum([0] + [len(i) for i, _ in rows])
        indices = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
        data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, dtype=np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), self.n_features))

    def project(self, texts, questions, matrix):
        """rows @ matrix without scipy: (n, matrix columns)."""
        out = np.zeros((len(texts), matrix.shape[1]), dtype=np.float64)
        for k, (indices, values) in enumerate(self.rows(texts, questions)):
            out[k] = values @ matrix[indices]
        return out


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class InsightModel:
    """What a trained model holds: featuriser, per-label weights and thresholds, sentiment weights."""

    def __init__(self, featuriser, labels, weights, bias, thresholds, sentiment_weights, sentiment_bias, metadata):
        self.featuriser = featuriser
        self.labels = list(labels)
        self.weights = weights  # (n_features, n_labels) float32
        self.bias = bias  # (n_labels,)
        self.thresholds = thresholds  # (n_labels,)
        self.sentiment_weights = sentiment_weights  # (n_features, 5)
        self.sentiment_bias = sentiment_bias
        self.metadata = metadata

    def _stacked(self):
        """Label and sentiment weights side by side, so one product serves both."""
        if getattr(self, "_both", None) is None:
            self._both = np.hstack([self.weights, self.sentiment_weights]).astype(np.float32)
        return self._both

    def scores(self, texts, questions=None):
        """(label probabilities, sentiment probabilities, empty mask) for a batch, as arrays."""
        texts = ["" if t is None else str(t) for t in texts]
        questions = [q or "" for q in questions] if questions is not None else [""] * len(texts)
        empty = np.array([is_unlabellable(t) for t in texts], dtype=bool)
        n = len(texts)
        probabilities = np.zeros((n, len(self.labels)), dtype=np.float64)
        sentiment = np.zeros((n, 5), dtype=np.float64)
        if n and not empty.all():
            keep = np.flatnonzero(~empty)
            both = self._stacked()
            z = self.featuriser.project([texts[i] for i in keep], [questions[i] for i in keep], both)
            n_labels = len(self.labels)
            probabilities[keep] = _sigmoid(z[:, :n_labels] + self.bias)
            sentiment[keep] = _softmax(z[:, n_labels:] + self.sentiment_bias)
        if LABELLING_NOT_POSSIBLE in self.labels:
            lnp = self.labels.index(LABELLING_NOT_POSSIBLE)
            probabilities[empty] = 0.0
            probabilities[empty, lnp] = 1.0
        sentiment[empty] = [0, 0, 1, 0, 0]
        return probabilities, sentiment, empty

    def decide(self, probabilities, empty=None):
        """Boolean (n, n_labels) decisions: over threshold, else the label nearest its threshold."""
        chosen = probabilities >= self.thresholds
        ratio = probabilities / np.maximum(self.thresholds, 1e-9)
        none = ~chosen.any(axis=1)
        if none.any():
            chosen[np.flatnonzero(none), ratio[none].argmax(axis=1)] = True
        return chosen

    def certainty(self, probabilities):
        """Per comment, the least sure label decision: min |p - t| scaled to [0, 1] by the room on that side."""
        t = self.thresholds
        room = np.where(probabilities >= t, 1.0 - t, t)
        margin = np.abs(probabilities - t) / np.maximum(room, 1e-9)
        return np.clip(margin.min(axis=1), 0.0, 1.0) if margin.size else np.ones(len(probabilities))

    def predict(self, texts, questions=None) -> list[Prediction]:
        probabilities, sentiment, empty = self.scores(texts, questions)
        chosen = self.decide(probabilities, empty)
        certainty = self.certainty(probabilities)
        certainty[empty] = 1.0
        sentiment5 = sentiment.argmax(axis=1) + 1
        s3 = np.stack([sentiment[:, 0:2].sum(axis=1), sentiment[:, 2], sentiment[:, 3:5].sum(axis=1)], axis=1)
        sentiment3 = np.array(["positive", "neutral", "negative"])[s3.argmax(axis=1)]
        results = []
        for i in range(len(probabilities)):
            row = probabilities[i]
            results.append(
                Prediction(
                    probabilities={label: float(row[j]) for j, label in enumerate(self.labels)},
                    labels=[self.labels[j] for j in np.flatnonzero(chosen[i])],
                    sentiment3=str(sentiment3[i]),
                    sentiment5=int(sentiment5[i]),
                    certainty=float(certainty[i]),
                    sentiment_probabilities={k + 1: float(sentiment[i, k]) for k in range(5)},
                )
            )
        return results


# --- training -------------------------------------------------------------------------------------


def _label_matrix(examples, labels):
    index = {label: j for j, label in enumerate(labels)}
    y = np.zeros((len(examples), len(labels)), dtype=np.int8)
    for i, e in enumerate(examples):
        for label in e.labels:
            if label in index:
                y[i, index[label]] = 1
    return y


def _fit_binary(x, y, C, class_weight):
    """Weights and bias of one label's logistic regression; a label with one class gets a constant."""
    from sklearn.linear_model import LogisticRegression

    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        return np.zeros(x.shape[1], dtype=np.float32), (10.0 if positives else -10.0)
    clf = LogisticRegression(C=C, class_weight=class_weight, solver="liblinear", max_iter=1000, random_state=SEED)
    clf.fit(x, y)
    return clf.coef_[0].astype(np.float32), float(clf.intercept_[0])


def _fit_labels(x, y, C, class_weight):
    weights = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    bias = np.zeros(y.shape[1])
    for j in range(y.shape[1]):
        weights[:, j], bias[j] = _fit_binary(x, y[:, j], C, class_weight)
    return weights, bias


def _fit_sentiment(x, s, C):
    """Multinomial LR over the classes 1-5 present; an absent class gets a very low bias."""
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((x.shape[1], 5), dtype=np.float32)
    bias = np.full(5, -30.0)
    present = sorted(set(s.tolist()))
    if len(present) == 1:
        bias[present[0] - 1] = 0.0
        return weights, bias
    clf = LogisticRegression(C=C, max_iter=2000, random_state=SEED)
    clf.fit(x, s)
    coef = clf.coef_ if len(present) > 2 else np.vstack([-clf.coef_[0] / 2, clf.coef_[0] / 2])
    intercept = clf.intercept_ if len(present) > 2 else np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2])
    for k, cls in enumerate(clf.classes_):
        weights[:, cls - 1] = coef[k]
        bias[cls - 1] = intercept[k]
    return weights, bias


def best_threshold(y, p) -> float:
    """The threshold that maximises F1 of one label on out-of-fold probabilities (0.5 if no positive)."""
    positives = int(y.sum())
    if positives == 0:
        return 0.5
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    predicted = np.arange(1, len(ys) + 1)
    f1 = 2 * tp / (predicted + positives)
    # Only cut between distinct probabilities.
    distinct = np.r_[ps[1:] < ps[:-1], True]
    f1 = np.where(distinct, f1, -1)
    k = int(f1.argmax())
    if f1[k] <= 0:
        return 0.5
    below = ps[k + 1] if k + 1 < len(ps) else 0.0
    return float((ps[k] + below) / 2)


def _folds(examples, n_folds):
    from sklearn.model_selection import GroupKFold

    groups = [normalise(e.text) for e in examples]
    n_folds = max(2, min(n_folds, len(set(groups))))
    return list(GroupKFold(n_splits=n_folds).split(np.zeros(len(examples)), groups=groups))


def out_of_fold(examples, labels, settings, progress=None):
    """Out-of-fold label and sentiment probabilities from a grouped K-fold inside `examples` (training only)."""
    y = _label_matrix(examples, labels)
    oof = np.zeros(y.shape, dtype=np.float64)
    texts = [e.text for e in examples]
    questions = [e.question for e in examples]
    sent = np.array([e.sentiment5 or 0 for e in examples])
    oof_sent = np.zeros((len(examples), 5))
    for k, (fit_index, held_index) in enumerate(_folds(examples, settings["folds"])):
        if progress:
            progress(f"cross-validation fold {k + 1}")
        feats = Featuriser(settings["max_word"], settings["max_char"]).fit(
            [texts[i] for i in fit_index], [questions[i] for i in fit_index]
        )
        x_fit = feats.transform([texts[i] for i in fit_index], [questions[i] for i in fit_index])
        x_held = feats.transform([texts[i] for i in held_index], [questions[i] for i in held_index])
        w, b = _fit_labels(x_fit, y[fit_index], settings["C"], settings["class_weight"])
        oof[held_index] = _sigmoid(np.asarray(x_held @ w) + b)
        has = sent[fit_index] > 0
        if has.sum() >= 2:
            sw, sb = _fit_sentiment(x_fit[np.flatnonzero(has)], sent[fit_index][has], settings["sentiment_C"])
            oof_sent[held_index] = _softmax(np.asarray(x_held @ sw) + sb)
    return y, oof, sent, oof_sent


def train(examples: list[Example], *, progress=None, settings=None) -> InsightModel:
    """Fit the model on `examples` (the training data only: thresholds come from K-fold inside it).

    `progress`, if given, is called with a short message at each step.
    """
    settings = {**DEFAULTS, **(settings or {})}
    examples = list(examples)
    all_labels = sorted({label for e in examples for label in e.labels} | {LABELLING_NOT_POSSIBLE})
    # Empty texts are 'Labelling not possible' by rule; the classifiers learn from the rest.
    textual = [e for e in examples if not is_unlabellable(e.text)]
    if len(textual) < 4:
        raise ValueError("Training needs at least 4 labelled comments with text.")
    support = {label: int(sum(label in e.labels for e in examples)) for label in all_labels}
    # A label gets a classifier if some comment with text carries it (LNP is usually rule-only).
    labels = all_labels

    y, oof, sent, oof_sent = out_of_fold(textual, labels, settings, progress)
    thresholds = np.array([best_threshold(y[:, j], oof[:, j]) for j in range(len(labels))])
    if LABELLING_NOT_POSSIBLE in labels:
        j = labels.index(LABELLING_NOT_POSSIBLE)
        if y[:, j].sum() == 0:
            thresholds[j] = 0.5  # rule-only: 1.0 for empty texts, ~0 otherwise

    if progress:
        progress("fitting the final model")
    feats = Featuriser(settings["max_word"], settings["max_char"]).fit(
        [e.text for e in textual], [e.question for e in textual]
    )
    x = feats.transform([e.text for e in textual], [e.question for e in textual])
    weights, bias = _fit_labels(x, y, settings["C"], settings["class_weight"])
    has = np.flatnonzero(sent > 0)
    if len(has) >= 2:
        sw, sb = _fit_sentiment(x[has], sent[has], settings["sentiment_C"])
    else:
        sw, sb = np.zeros((x.shape[1], 5), dtype=np.float32), np.array([-30, -30, 0, -30, -30.0])

    fw = framework.load_framework()
    cv = _cv_metrics(y, oof, thresholds, labels, sent, oof_sent)
    metadata = {
        "version": VERSION,
        "method": METHOD,
        "settings": settings,
        "framework": {"name": fw.name, "version": fw.version, "sha256": fw.sha256},
        "training_data_sha256": training_data_sha256(examples),
        "training_examples": len(examples),
        "label_support": support,
        "sparse_labels": sorted(label for label, n in support.items() if n < SPARSE_LABEL_SUPPORT),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "metrics": {"cross_validation_on_training": cv},
    }
    return InsightModel(feats, labels, weights, bias, thresholds, sw, sb, metadata)


def _cv_metrics(y, oof, thresholds, labels, sent, oof_sent):
    from sklearn.metrics import accuracy_score, f1_score

    chosen = oof >= thresholds
    none = ~chosen.any(axis=1)
    ratio = oof / np.maximum(thresholds, 1e-9)
    chosen[np.flatnonzero(none), ratio[none].argmax(axis=1)] = True
    present = y.sum(axis=0) > 0
    result = {
        "micro_f1": float(f1_score(y, chosen, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(y[:, present], chosen[:, present], average="macro", zero_division=0)),
        "note": "comments with text only; out-of-fold, grouped K-fold inside the training split",
    }
    has = sent > 0
    if has.any():
        p5 = oof_sent[has].argmax(axis=1) + 1
        three = np.vectorize(SENTIMENT3.get)
        result["sentiment5_accuracy"] = float(accuracy_score(sent[has], p5))
        result["sentiment3_accuracy"] = float(accuracy_score(three(sent[has]), three(_derive3(oof_sent[has]))))
    return result


def _derive3(p):
    s3 = np.stack([p[:, 0:2].sum(axis=1), p[:, 2], p[:, 3:5].sum(axis=1)], axis=1).argmax(axis=1)
    return np.array([1, 3, 5])[s3]


# --- artefacts ------------------------------------------------------------------------------------


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def save(model: InsightModel, path) -> Path:
    """Write the model (zlib-compressed pickle) and its JSON sidecar (version, method, data SHA-256, metrics)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "format": 1,
        "featuriser": model.featuriser,
        "labels": model.labels,
        "weights": model.weights,
        "bias": model.bias,
        "thresholds": model.thresholds,
        "sentiment_weights": model.sentiment_weights,
        "sentiment_bias": model.sentiment_bias,
        "metadata": model.metadata,
    }
    # Plain pickle of numpy arrays and plain objects, zlib-compressed: no scikit-learn class inside,
    # so loading needs only numpy (fast).
    path.write_bytes(zlib.compress(pickle.dumps(state, protocol=5), 6))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sidecar = {**model.metadata, "sha256": digest, "file": path.name}
    _sidecar(path).write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load(path) -> InsightModel:
    """Load a model saved by save(); refuses a file whose SHA-256 differs from its sidecar's.

    Like any pickle, only load artefacts you trust: the check guards against a damaged or swapped
    file, not against a sidecar rewritten with it.
    """
    path = Path(path)
    sidecar_path = _sidecar(path)
    if not sidecar_path.exists():
        raise ValueError(f"{path}: no sidecar {sidecar_path.name} with the model's SHA-256")
    expected = json.loads(sidecar_path.read_text(encoding="utf-8")).get("sha256")
    raw = path.read_bytes()
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected:
        raise ValueError(f"{path}: SHA-256 {actual} does not match its sidecar ({expected}); refusing to load")
    state = pickle.loads(zlib.decompress(raw))  # noqa: S301 (checked against the sidecar's SHA-256)
    return InsightModel(
        state["featuriser"],
        state["labels"],
        state["weights"],
        state["bias"],
        state["thresholds"],
        state["sentiment_weights"],
        state["sentiment_bias"],
        state["metadata"],
    )


def default_path() -> Path:
    return ARTEFACTS / f"model-{VERSION}.pkl"


@functools.cache
def load_default() -> InsightModel:
    """The shipped model (cached per process)."""
    return load(default_path())
