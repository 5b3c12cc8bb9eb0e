from django.apps import AppConfig


class TrainingSiteConfig(AppConfig):
    name = "training_site"
    verbose_name = "Liaison Academy"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save
        from taggit.models import Tag
        from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
        from wagtail.models import Page, PageViewRestriction, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from training_site.accounts.permissions import admin_access_changed
        from training_site.page_cache import pages_changed
        from training_site.routing import sites_changed

        # What an anonymous page or a course structure shows (training_site/page_cache.py).
        shown = (Page, PageViewRestriction, Site, BaseSiteSetting, BaseGenericSetting, Tag)

        def on_change(sender, instance, **kwargs):
            if isinstance(instance, shown):
                pages_changed()
            # The site cache holds each site's root page (training_site/routing.py).
            if isinstance(instance, Site) or (
                isinstance(instance, Page) and (instance.depth <= 2 or instance.is_site_root())
            ):
                sites_changed()

        post_save.connect(on_change, dispatch_uid="pages_changed_on_save", weak=False)
        post_delete.connect(on_change, dispatch_uid="pages_changed_on_delete", weak=False)

        def on_page_signal(sender, instance, **kwargs):
            pages_changed()
            if instance.depth <= 2 or instance.is_site_root():
                sites_changed()

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(on_page_signal, dispatch_uid=f"pages_changed_{id(signal)}", weak=False)
        m2m_changed.connect(admin_access_changed, dispatch_uid="admin_access_changed", weak=False)
