"""Training, evaluating and running the theme, sentiment and safeguarding classifiers.

Plain Python with scikit-learn: no Django, so the `involve insight` commands and the benchmarks
run from a CSV alone, and the product (insight.services) calls the same functions.

The contract the rest of Involve relies on:

- data.Example(text, question, labels: frozenset[str], sentiment5: int | None)
- data.normalise(text) -> str: case, spacing and punctuation folded (identical-comment key)
- data.load_pxtextmining(root) -> list[Example]: v6 rows mapped to v7 (v6_to_v7_labels.csv)
- data.grouped_split(examples, test_fraction=0.2, seed=42) -> (train, test): identical
  normalised texts always on one side
- model.train(examples, *, progress=None) -> InsightModel
- model.InsightModel.predict(texts, questions=None) -> list[Prediction]; .labels; .metadata
  (version, method, framework version, training data SHA-256, metrics)
- model.Prediction(probabilities: dict[label, float], labels: list[str], sentiment3: str
  ("positive" | "neutral" | "negative"), sentiment5: int (1 very positive … 5 very negative),
  certainty: float in [0, 1], 0 = least sure)
- model.save(model, path) / model.load(path) / model.load_default(): the artefact shipped in
  involve/insight/artefacts/
- evaluate.evaluate(model, examples) -> dict of figures (per label and overall)
- safeguarding.assess(text, prediction=None) -> list[str]: the reasons to flag, empty if none
- retrain.retrain(base, corrections) -> (model, metrics_before, metrics_after)
"""
