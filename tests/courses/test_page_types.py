from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from assessments.models import QuizPage
from content.models import HomePage, PathwayPage, StandardPage
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.services import enrollment_create
from tests.factories import UserFactory, build_course, course_lessons, site_tree


class PageTreeRulesTests(WagtailPageTestCase):
    """The page tree in ARCHITECTURE.md is enforced by parent and subpage types."""

    def test_home_children(self):
        self.assertAllowedSubpageTypes(HomePage, {CourseIndexPage, PathwayPage, StandardPage})

    def test_catalogue_children(self):
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})

    def test_course_parent_and_children(self):
        self.assertAllowedParentPageTypes(CoursePage, {CourseIndexPage})
        self.assertAllowedSubpageTypes(CoursePage, {ModulePage, QuizPage})

    def test_module_parent_and_children(self):
        self.assertAllowedParentPageTypes(ModulePage, {CoursePage})
        self.assertAllowedSubpageTypes(ModulePage, {LessonPage, QuizPage})

    def test_quiz_sits_in_a_module_or_course(self):
        self.assertAllowedParentPageTypes(QuizPage, {ModulePage, CoursePage})
        self.assertAllowedSubpageTypes(QuizPage, set())
        self.assertCanNotCreateAt(LessonPage, QuizPage)

    def test_lesson_is_a_leaf_under_a_module(self):
        self.assertAllowedParentPageTypes(LessonPage, {ModulePage})
        self.assertAllowedSubpageTypes(LessonPage, set())

    def test_lessons_cannot_sit_directly_under_a_course(self):
        self.assertCanNotCreateAt(CoursePage, LessonPage)
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertCanCreateAt(Page, HomePage)


class PageRenderTests(WagtailPageTestCase):
    """Every page type renders (lessons for an enrolled learner and in preview)."""

    @classmethod
    def setUpTestData(cls):
        cls.home, cls.index = site_tree()
        cls.course = build_course(cls.index)
        cls.lesson = course_lessons(cls.course)[0]
        cls.module = cls.lesson.get_parent().specific
        cls.about = cls.home.add_child(instance=StandardPage(title="About", slug="about", intro="Hi"))
        cls.learner = UserFactory()
        enrollment_create(learner=cls.learner, course=cls.course)

    def test_public_pages_render(self):
        for page in (self.home, self.index, self.course, self.about):
            self.assertPageIsRenderable(page)

    def test_editorial_pages_preview(self):
        body = streamfield([("text", rich_text("<p>Preview body</p>"))])
        previews = {
            self.home: {"intro": rich_text("<p>Hi</p>"), "body": body},
            self.index: {"intro": rich_text("<p>All courses</p>")},
            self.about: {"intro": "Hi", "body": body},
            self.course: {
                "summary": "A course.",
                "outcomes": streamfield([("outcome", "Listen well")]),
                "contact_hours": "2",
                "level": "foundation",
                "tags": "listening",
            },
        }
        for page, fields in previews.items():
            data = nested_form_data({"title": page.title, "slug": page.slug, **fields})
            self.assertPageIsPreviewable(page, post_data=data)

    def test_module_redirects_to_its_course_outline(self):
        self.assertPageIsRenderable(self.module, accept_redirect=True)
        response = self.client.get(self.module.url)
        self.assertRedirects(response, f"{self.course.url}#module-{self.module.pk}")

    def test_lesson_renders_for_enrolled_learner_and_preview(self):
        self.client.force_login(self.learner)
        response = self.client.get(self.lesson.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "What did you notice?")
        preview_data = nested_form_data(
            {
                "title": "Preview lesson",
                "slug": "preview-lesson",
                "estimated_minutes": 10,
                "tags": "",
                "body": streamfield([("text", rich_text("<p>Preview body</p>"))]),
            }
        )
        self.assertPageIsPreviewable(self.lesson, post_data=preview_data)
