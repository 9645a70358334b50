"""Insight records for tests, made straight through the ORM (services are tested on their own)."""

from django.utils import timezone

from involve.insight import services
from involve.insight.models import Comment, Label, ModelVersion, SafeguardingFlag, SafeguardingReviewer, Theme
from involve.insight.text import text_hash


def framework():
    return services.load_framework()


def theme(name="Parking"):
    return Theme.objects.get(framework=framework(), name=name)


def make_comment(organisation, text="The car park is always full", **fields):
    fields.setdefault("source", Comment.Source.IMPORT)
    fields.setdefault("masked_text", text)
    fields.setdefault("received_at", timezone.now())
    return Comment.objects.create(organisation=organisation, text=text, text_hash=text_hash(text), **fields)


def make_label(comment, theme_name="Parking", **fields):
    fields.setdefault("source", Label.Source.MODEL)
    if fields["source"] == Label.Source.MODEL:
        fields.setdefault("probability", 0.7)
    return Label.objects.create(comment=comment, theme=theme(theme_name), **fields)


def make_model_version(organisation=None, version="test-1", **fields):
    fields.setdefault("framework", framework())
    fields.setdefault("method", "test")
    fields.setdefault("artefact", "none")
    fields.setdefault("metrics", {"micro_f1": 0.8, "macro_f1": 0.6})
    fields.setdefault("trained_at", timezone.now())
    return ModelVersion.objects.create(organisation=organisation, version=version, **fields)


def make_flag(comment, reasons="Mentions self-harm or suicide", **fields):
    return SafeguardingFlag.objects.create(comment=comment, reasons=reasons, **fields)


def make_reviewer(organisation, user):
    return SafeguardingReviewer.objects.create(organisation=organisation, user=user)
