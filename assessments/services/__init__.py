"""Writes and rules for assessments, one module per area.

- ``attempts``: start, save, submit and grade quiz attempts; hand grading.
- ``gift_import``: import and export question banks as GIFT.
- ``gift_jobs``: the admin's GIFT import as a background job (claimed, atomic, swept).
- ``review``: what a learner may see of a submitted attempt.
"""
