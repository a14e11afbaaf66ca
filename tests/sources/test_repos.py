"""Audit sources: a repository list file, positional arguments, a directory tree, and shards."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gitutil import Repo
from twscan.core.errors import TwscanError
from twscan.sources.repos import (
    RepoSpec,
    dedupe,
    from_arguments,
    from_dir,
    from_repos_file,
    parse_shard,
    select_shard,
    shard_of,
    spec_for,
)


def test_repos_file_comments_blanks_and_kinds_of_entries(tmp_path: Path) -> None:
    listing = tmp_path / "lists" / "repos.txt"
    listing.parent.mkdir()
    listing.write_text(
        "# our repositories\n"
        "\n"
        "https://github.com/acme/api.git\n"
        "   file:///srv/git/team/tool.git   \n"
        "  # indented comment\n"
        "../checkouts/web\n"
        "/abs/path/repo/.git\n"
        "https://user:pa55@git.example.com/g/sub/proj\n",
        encoding="utf-8",
    )
    specs = from_repos_file(str(listing))
    assert [s.name for s in specs] == [
        "acme/api",
        "team/tool",
        "checkouts/web",
        "path/repo",
        "sub/proj",
    ]
    assert specs[1].url == "file:///srv/git/team/tool.git"
    assert specs[2].url == str(tmp_path / "checkouts" / "web")  # relative to the file
    assert {s.source for s in specs} == {f"repos-file:{listing}"}


@pytest.mark.parametrize(
    "line",
    [
        "ext::sh -c 'touch /tmp/x'",
        "fd::3",
        "ftp://example.com/x.git",
        "--upload-pack=touch /tmp/x",
        "git@github.com:acme/api.git",
        "https:///no-host",
        "https://github.com/",
    ],
)
def test_a_bad_line_is_an_error_naming_file_and_line(tmp_path: Path, line: str) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# header\nhttps://github.com/acme/ok\n{line}\n", encoding="utf-8")
    with pytest.raises(TwscanError, match=rf"^{listing}:3: "):
        from_repos_file(str(listing))


def test_a_bad_line_error_does_not_show_a_password(tmp_path: Path) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("ftp://bob:hunter2hunter2@example.com/x\n", encoding="utf-8")
    with pytest.raises(TwscanError) as err:
        from_repos_file(str(listing))
    assert "hunter2" not in str(err.value)


def test_a_missing_or_binary_repos_file(tmp_path: Path) -> None:
    with pytest.raises(TwscanError, match="not found"):
        from_repos_file(str(tmp_path / "nope.txt"))
    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TwscanError, match="not UTF-8"):
        from_repos_file(str(tmp_path / "bin"))


def test_arguments_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    specs = from_arguments(["team/repo.git", "https://github.com/acme/api"])
    assert specs[0] == RepoSpec("team/repo", str(tmp_path / "team" / "repo.git"), "argument")
    assert specs[1].name == "acme/api"


def test_names_are_stable_and_spelled_as_documented() -> None:
    assert spec_for("file:///x/y/repo.git", "argument").name == "y/repo"
    assert spec_for("/x/y/repo.git", "argument").name == "y/repo"
    assert spec_for("/x/y/repo/", "argument").name == "y/repo"
    assert spec_for("ssh://git@host:2222/org/r.git", "argument").name == "org/r"


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    Repo(root / "team-a" / "api")
    Repo(root / "team-a" / "web")
    Repo(root / "bare" / "lib.git", bare=True)
    outer = Repo(root / "outer")
    Repo(root / "outer" / "vendor" / "inner")  # a repository checked out inside another
    # a repository that only lives inside a work tree's .git must not be found
    Repo(outer.path / ".git" / "modules" / "sub")
    (root / "deep" / "a" / "b" / "c" / "d" / "e" / "f").mkdir(parents=True)
    Repo(root / "deep" / "a" / "b" / "c" / "d" / "e" / "f" / "g")  # depth 8
    (root / "plain" / "dir").mkdir(parents=True)
    return root


def test_dir_finds_work_trees_and_bare_repositories(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    specs = from_dir(str(root))
    found = [os.path.relpath(s.url, root) for s in specs]
    assert found == ["bare/lib.git", "outer", "outer/vendor/inner", "team-a/api", "team-a/web"]
    assert [s.name for s in specs] == [
        "bare/lib",
        "root/outer",
        "vendor/inner",
        "team-a/api",
        "team-a/web",
    ]
    assert {s.source for s in specs} == {f"dir:{root}"}
    deeper = [os.path.relpath(s.url, root) for s in from_dir(str(root), max_depth=10)]
    assert "deep/a/b/c/d/e/f/g" in deeper


def test_dir_follows_no_symlink_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    Repo(root / "mine")
    outside = tmp_path / "outside"
    Repo(outside / "theirs")
    (root / "link-to-outside").symlink_to(outside, target_is_directory=True)
    (root / "link-to-repo").symlink_to(outside / "theirs", target_is_directory=True)
    odd = root / "odd"
    odd.mkdir()
    (odd / ".git").symlink_to(outside / "theirs" / ".git", target_is_directory=True)
    loop = root / "loop"
    loop.mkdir()
    (loop / "again").symlink_to(loop, target_is_directory=True)
    specs = from_dir(str(root))
    assert [s.url for s in specs] == [str((root / "mine").resolve())]


def test_dir_that_is_missing(tmp_path: Path) -> None:
    with pytest.raises(TwscanError, match="no such directory"):
        from_dir(str(tmp_path / "nope"))


def test_dedupe_keeps_the_first_of_each_name_in_order() -> None:
    a1 = RepoSpec("o/a", "https://github.com/o/a.git", "github-org:o")
    b = RepoSpec("o/b", "/x/o/b", "argument")
    a2 = RepoSpec("o/a", "/y/o/a", "argument")
    assert dedupe([a1, b, a2]) == [a1, b]


def _specs(n: int) -> list[RepoSpec]:
    return [RepoSpec(f"org/repo-{i}", f"/r/{i}", "argument") for i in range(n)]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_are_complete_and_do_not_overlap(count: int) -> None:
    specs = _specs(200)
    shards = [select_shard(specs, i, count) for i in range(1, count + 1)]
    names = [s.name for shard in shards for s in shard]
    assert sorted(names) == sorted(s.name for s in specs)  # complete, no repository twice
    if count > 1:
        assert all(shard for shard in shards)  # 200 names spread over every shard


def test_a_shard_depends_on_the_name_alone() -> None:
    # pinned: a change of the hash would reshuffle every CI matrix's repositories
    assert [shard_of(f"org/repo-{i}", 4) for i in range(8)] == [
        shard_of(f"org/repo-{i}", 4) for i in range(8)
    ]
    assert shard_of("acme/api", 1) == 1
    import hashlib

    digest = hashlib.sha256(b"acme/api").digest()
    assert shard_of("acme/api", 5) == int.from_bytes(digest[:8], "big") % 5 + 1
    specs = _specs(50)
    assert select_shard(specs, 2, 3) == select_shard(list(reversed(specs)), 2, 3)[::-1]


@pytest.mark.parametrize("text,expected", [("1/2", (1, 2)), (" 3 / 3 ", (3, 3)), ("1/1", (1, 1))])
def test_parse_shard(text: str, expected: tuple[int, int]) -> None:
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "1", "a/b", "-1/2", "1/2/3", "", "1/99999"])
def test_parse_shard_refuses(text: str) -> None:
    with pytest.raises(TwscanError, match="--shard"):
        parse_shard(text)
