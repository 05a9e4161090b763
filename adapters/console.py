"""The terminal adapter: the embedded default. Renders replies and digests with rich; posts print."""

from __future__ import annotations

from aiohttp import web
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from paperbot.bot.models import ChannelRef, Digest, PaperCard, Reply, ReplyKind
from paperbot.bot.ports import PostKey

_STYLE = {
    ReplyKind.INFO: "cyan",
    ReplyKind.SUCCESS: "green",
    ReplyKind.WARNING: "yellow",
    ReplyKind.ERROR: "red",
}


def card_text(number: int, card: PaperCard) -> Table:
    """One paper; built from plain strings (Text, not markup), so paper text can never inject styles."""
    body = Text()
    body.append(card.title, style=f"bold link {card.url}")
    if card.followed:
        body.append("\n" + card.followed, style="bold yellow")
    body.append("\n" + card.stats(), style="magenta")
    if card.why:
        body.append("   " + card.why, style="green")
    elif card.matched_topics:
        body.append("   matched: " + ", ".join(card.matched_topics), style="green")
    byline = card.byline()
    if byline:
        body.append(f"\n{byline}", style="dim")
    body.append(f"\n{card.summary}\n")
    links = [card.url, card.pdf_url, *(u for u in (card.code_url, card.project_url) if u)]
    body.append("  ·  ".join(links), style="blue")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(ratio=1)
    grid.add_row(Text(f"{number}.", style="bold"), body)
    return grid


def render_digest(digest: Digest) -> Panel:
    parts: list[RenderableType] = []
    if digest.note:
        parts.append(Text(digest.note + "\n", style="yellow"))
    if not digest.cards:
        parts.append(Text("No papers.", style="dim"))
    for number, card in enumerate(digest.cards, digest.first):
        if number > 1:
            parts.append(Text(""))
        parts.append(card_text(number, card))
    if digest.more_text:
        parts.append(Text(f"\n{digest.more_text}: {digest.more_url}", style="blue"))
    if digest.footer:
        # Inside the panel, where it wraps: a border subtitle is cut to one line at 80 columns.
        parts.append(Text("\n" + digest.footer, style="dim"))
    return Panel(Group(*parts), title=escape(digest.title), expand=True)


def print_reply(console: Console, reply: Reply) -> None:
    if reply.digest is not None:
        console.print(render_digest(reply.digest))
        if reply.query and reply.more:
            console.print(Text("more: /papers more", style="dim"))
        return
    console.print(Text(reply.text, style=_STYLE[reply.kind]))


class ConsoleAdapter:
    """Shows replies and posts digests in the terminal. Keeps what it posted, so a second pass in the
    same process can tell a digest was sent."""

    platform = "console"

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.posted: dict[str, str] = {}

    def show(self, reply: Reply) -> None:
        print_reply(self.console, reply)

    def show_digest(self, digest: Digest) -> None:
        self.console.print(render_digest(digest))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def routes(self) -> list[web.RouteDef]:
        return []

    async def post(self, ref: ChannelRef, digest: Digest, key: PostKey) -> list[str]:
        self.console.print(Text(f"#{ref.channel}", style="bold cyan"))
        self.show_digest(digest)
        self.posted[key.token] = key.token
        return [key.token]

    async def reply(self, ref: ChannelRef, thread: str, text: str, key: PostKey) -> list[str]:
        self.console.print(Text(f"↳ {text}"))
        return []

    async def find_posted(self, ref: ChannelRef, key: PostKey) -> list[str] | None:
        return [key.token] if key.token in self.posted else None
