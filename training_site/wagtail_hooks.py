from wagtail import hooks

from training_site.page_cache import page_cache_mark_public

hooks.register("before_serve_page", page_cache_mark_public)
