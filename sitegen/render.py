"""Phase 6: pages' Markdown -> HTML, demo blocks -> widget placeholders, Jinja layouts ->
pages, 404.html and sitemap.xml."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import jinja2

from .assets import Assets
from .content import Page
from .context import BuildContext, DatasetArtifact, FileSource, ModelArtifact
from .demos import DemoBlock, placeholder_html
from .errors import ConfigError, SitegenError
from .markdown_html import inline_markdown, render_markdown
from .paths import theme_dir


def template_environment(ctx: BuildContext) -> jinja2.Environment:
    """A site's own templates/ first, the default theme second: overriding is file by file."""
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(str(ctx.config.templates_dir)),
        jinja2.FileSystemLoader(str(theme_dir())),
    ])
    return jinja2.Environment(loader=loader, autoescape=jinja2.select_autoescape(["html", "xml"]),
                              undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False)


def unavailable_reason(block: DemoBlock, datasets: dict[str, DatasetArtifact],
                       models: dict[str, ModelArtifact]) -> str | None:
    for kind, name in block.options.references():
        artifact = datasets.get(name) if kind == "dataset" else models.get(name)
        if artifact is not None and not artifact.available:
            return artifact.notice or "This demo is not available in this build of the site."
    return None


def check_model_fits_data(block: DemoBlock, datasets: dict[str, DatasetArtifact],
                          models: dict[str, ModelArtifact]) -> None:
    """A demo that runs a model on a data set's examples needs a model of that data's shape
    and classes: say so at build time, not with a tensor-shape error in the reader's browser."""
    model_name, dataset_name = getattr(block.options, "model", ""), getattr(block.options, "dataset", "")
    model, dataset = models.get(model_name), datasets.get(dataset_name)
    if not (model and dataset and model.available and dataset.available):
        return
    shape, classes = list(model.metadata["input_shape"]), model.metadata["classes"]
    if (shape, classes) == (list(dataset.shape), dataset.classes):
        return
    other_names = " (other class names)" if len(classes) == len(dataset.classes) else ""
    raise ConfigError(f"demo block: the model '{model_name}' was trained on {'x'.join(map(str, shape))} images of "
                      f"{len(classes)} classes, but the data set '{dataset_name}' holds "
                      f"{'x'.join(map(str, dataset.shape))} images of {len(dataset.classes)} classes{other_names}",
                      where=block.page, line=block.line)


class InlineBehaviour(HTMLParser):
    """Finds what never runs under the site's CSP: <script> elements with code in them, and
    event-handler attributes (onclick=...), in raw HTML of a page or the footer."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.found.append("an inline <script>")
        self.found += [f"an {name}= attribute on <{tag}>" for name in names if name.startswith("on")]


def warn_inline_behaviour(ctx: BuildContext, html: str, where) -> None:
    finder = InlineBehaviour()
    finder.feed(html)
    if finder.found:
        ctx.warn(f"{where}: {finder.found[0]} never runs under the site's Content-Security-Policy "
                 f"(scripts from the site's own files only); put the code in a .js file (see "
                 f"'Add your own script' in the authoring guide)")


def demo_class_names(page: Page, datasets: dict[str, DatasetArtifact], models: dict[str, ModelArtifact]) -> list[str]:
    """The class names the page's demos show (for the web fonts it preloads)."""
    names: list[str] = []
    for block in page.demos:
        for kind, name in block.options.references():
            artifact = datasets.get(name) if kind == "dataset" else models.get(name)
            if artifact is not None and artifact.available:
                names += artifact.classes if kind == "dataset" else artifact.metadata["classes"]
    return names


def page_content(page: Page, datasets: dict[str, DatasetArtifact], models: dict[str, ModelArtifact]) -> str:
    """The page's body as HTML, each demo block's marker replaced by its widget placeholder."""
    html = page.html.body
    for block in page.demos:
        html = html.replace(block.marker(), placeholder_html(block, unavailable_reason(block, datasets, models)), 1)
    return html


def render_site(ctx: BuildContext, pages: list[Page], datasets: dict[str, DatasetArtifact],
                models: dict[str, ModelArtifact], assets: Assets) -> dict[str, FileSource]:
    for page in pages:
        for block in page.demos:
            check_model_fits_data(block, datasets, models)
        page.html = render_markdown(page)
        warn_inline_behaviour(ctx, page.html.body, page.source)
    env = template_environment(ctx)
    site = ctx.config
    nav_pages = [p for p in pages if p.meta.nav and not p.is_home]
    widget_urls = {k: v for k, v in assets.urls.items() if k.startswith(("widgets/", "workers/"))}
    footer = inline_markdown(site.theme.footer)
    warn_inline_behaviour(ctx, footer, f"{site.file}: theme.footer")
    files: dict[str, FileSource] = {}

    def render(template_name: str, output: str, root: str, page: Page | None, **extra) -> None:
        def asset(name: str) -> str:
            if name not in assets.urls:
                raise SitegenError(f"template asks for asset '{name}', which the theme does not have")
            return root + assets.urls[name]

        def link(other: Page) -> str:
            return page.link_to(other) if page else root + (other.path + "/" if other.path else "")

        shown = [site.title, site.theme.footer, *(p.meta.title for p in nav_pages)]
        if page:
            shown += [page.meta.title, page.meta.description, page.body, *demo_class_names(page, datasets, models)]
        font_preloads = [root + name for name in assets.fonts.needed_by("".join(shown))]

        try:
            template = env.get_template(template_name)
            text = template.render(site=site, page=page, pages=pages, nav_pages=nav_pages, root=root,
                                   asset=asset, link=link, asset_map=widget_urls, footer=footer,
                                   font_preloads=font_preloads,
                                   description=(page.meta.description if page else "") or site.description,
                                   **extra)
        except jinja2.TemplateSyntaxError as e:
            raise SitegenError(f"template error: {e.message}", where=e.filename or e.name, line=e.lineno) from None
        except jinja2.TemplateNotFound as e:
            where = page.source if page else None
            raise SitegenError(f"template '{e.name}' not found in {site.templates_dir} or the default theme",
                               where=where) from None
        except jinja2.UndefinedError as e:
            raise SitegenError(f"template error while rendering {output}: {e.message}",
                               where=template_name) from None
        files[output] = text.encode("utf-8")

    for page in pages:
        template = page.meta.template
        if page.is_home and template == "page.html":
            template = "index.html"
        position = nav_pages.index(page) if page in nav_pages else -1
        prev_page = nav_pages[position - 1] if position > 0 else None
        next_page = nav_pages[position + 1] if 0 <= position < len(nav_pages) - 1 else None
        render(template, page.output_file, page.root, page, content=page_content(page, datasets, models),
               prev_page=prev_page, next_page=next_page)

    if not any(p.is_home for p in pages):
        render("index.html", "index.html", "", None, content="")
    # 404.html is served at any depth, so its links start from the site's public path.
    render("404.html", "404.html", site.base_path, None)
    urls = [urljoin(site.base_url, p.path + "/" if p.path else "") if site.base_url else (p.path + "/" if p.path else "./")
            for p in pages]
    files["sitemap.xml"] = env.get_template("sitemap.xml").render(urls=urls).encode("utf-8")
    return files
