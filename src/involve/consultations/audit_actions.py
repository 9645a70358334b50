"""The consultations area's audit actions, each with the phrase the audit log reads."""

from involve.audit.registry import register_actions

register_actions(
    {
        "consultation.create": "added the consultation",
        "consultation.update": "changed the consultation",
        "consultation.copy": "copied the consultation",
        "consultation.publish": "published the consultation",
        "consultation.close": "closed the consultation",
        "consultation.reopen": "reopened the consultation",
        "consultation.publish_results": "published the results of",
        "consultation.delete": "deleted the consultation",
        "section.create": "added the section",
        "section.update": "changed the section",
        "section.delete": "deleted the section",
        "question.create": "added the question",
        "question.update": "changed the question",
        "question.move": "moved the question",
        "question.delete": "deleted the question",
        "response.enter": "entered a response to",
        "response.delete": "deleted a response to",
        "response.moderate": "moderated a response to",
        "responses.export": "exported the responses to",
        "import.commit": "imported feedback into",
        "import.refuse": "was refused an import into",
    }
)
