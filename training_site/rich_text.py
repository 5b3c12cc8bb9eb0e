"""The admin's rich-text editor widget, refusing input that is not the editor's format.

Draftail posts its content as JSON (contentstate), which Wagtail's converter turns into
stored HTML. A form that posts anything else (raw HTML, broken or differently shaped JSON)
was not sent by the editor: Wagtail's converter then raises (JSONDecodeError, KeyError,
TypeError...) from inside the form's cleaning, which was a 500. SuspiciousOperation makes
Django answer 400 instead, and nothing is saved. Selected for every rich-text field by
WAGTAILADMIN_RICH_TEXT_EDITORS.
"""

from django.core.exceptions import SuspiciousOperation
from wagtail.admin.rich_text import DraftailRichTextArea


class CheckedDraftailRichTextArea(DraftailRichTextArea):
    def value_from_datadict(self, data, files, name):
        try:
            return super().value_from_datadict(data, files, name)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
            message = f"The rich-text field {name!r} is not in the editor's format."
            raise SuspiciousOperation(message) from error
