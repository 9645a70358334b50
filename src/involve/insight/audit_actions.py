"""The insight area's audit actions, each with the phrase the audit log reads."""

from involve.audit.registry import register_actions

from . import audit_actions_pages  # noqa: F401 (the pages' actions: campaigns, quotes, exports)

register_actions(
    {
        "framework.load": "loaded the theme framework",
        "model.register": "registered the model",
        "model.rerun": "re-ran the model on every comment with",
        "model.retrain_start": "started retraining",
        "model.retrain": "retrained a model as",
        "model.activate": "activated the model",
        "comment.review": "reviewed the themes and sentiment of",
        "safeguarding.flag": "raised a safeguarding flag:",
        "safeguarding.handle": "handled the safeguarding flag",
        "safeguarding.reviewer_add": "added a safeguarding reviewer:",
        "safeguarding.reviewer_remove": "removed a safeguarding reviewer:",
    }
)
