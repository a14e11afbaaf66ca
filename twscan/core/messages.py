"""The message catalogue: every sentence a report shows, in English and Japanese.

Many of the people twscan protects read Twilio's guidance in Japanese; keeping all report text
here (never inline in reporters) is what keeps the two languages in step. A key missing in one
language falls back to English, and a test checks that both languages have the same keys.
"""

from __future__ import annotations

import os

EN: dict[str, str] = {
    "exposure.heading": 'GitHub exposure check ({api})',
    "exposure.exposed": '{sid}  EXPOSED: {count} code search result(s) in {repos} repositor{ies}',
    "exposure.token_yes": 'token beside it: yes ({token}{where})',
    "exposure.token_no": 'token beside it: no',
    "exposure.token_unknown": 'token beside it: unknown',
    "exposure.not_found": '{sid}  not found by GitHub code search',
    "exposure.scope": '({scope}; a miss is not proof that it never leaked)',
    "exposure.not_checked": '{sid}  not checked: {why}',
    "exposure.manual": 'manual check: {url}',
    "exposure.first": 'first seen {date} by {who} ({sha})',
    "exposure.last": 'last changed {date} by {who} ({sha})',
    "exposure.incomplete": 'incomplete: {shown} of {total} result(s) listed',
    "exposure.cached": '(from cache, checked {when})',
    "exposure.line": ', line {line}',
    "exposure.unknown": '?',
    "exposure.summary": '{exposed} of {sids} SID(s) exposed on GitHub; {beside} with a token beside',
    "kind.account-sid": "Account SID",
    "kind.api-key-sid": "API Key SID",
    "kind.auth-token": "Auth Token",
    "kind.api-key-secret": "API Key secret",
    "kind.credential-pair": "credential pair",
    "kind.sendgrid-api-key": "SendGrid API key",
    "severity.critical": "CRITICAL",
    "severity.high": "HIGH",
    "severity.medium": "MEDIUM",
    "severity.low": "LOW",
    "reason.pattern": "matches the {kind} format",
    "reason.key-name": "assigned to {detail}",
    "reason.pair-construct": "follows its SID in the same construct",
    "reason.statement": "argument of a statement that names Twilio",
    "reason.scope": "in the Twilio section {detail}",
    "reason.near-id": "credential key {detail} beside its SID",
    "reason.near-vendor": "credential key {detail} beside a Twilio reference",
    "report.none": "No Twilio credentials found.",
    "report.summary": "{findings} finding(s) in {files} file(s) scanned ({bytes} bytes, {secs:.2f} s).",
    "report.commits": "{commits} commit(s) scanned.",
    "report.skipped": "Not scanned ({count}):",
    "report.note": "Note: {note}",
    "report.pair_with": "with {kind} {value} at line {line}",
    "report.commit": "commit {sha} by {author} on {date}",
    "report.occurrences": "{count} occurrences in this file",
    "report.what_to_do": "What to do",
    "report.show_secrets_hint": "Values are redacted; --show-secrets prints them in full.",
    "report.live.live": "LIVE: Twilio accepted this credential just now ({reason})",
    "report.live.invalid": "not valid: Twilio rejected it ({reason})",
    "report.live.unknown": "liveness unknown ({reason})",
    "report.none_new": "No new Twilio credentials found.",
    "report.ignored": "Ignored in the code with twscan:ignore ({count}):",
    "report.baselined": "Accepted in the baseline {file} ({count}): {reasons}",
    "report.below_fail_on": "{count} finding(s) below the fail-on severity ({severity}): reported, but they do not fail the run.",
    "report.allowlisted": "{count} value(s) matched the configuration's allowlist.",
    "report.excluded": "{count} finding(s) under paths the configuration excludes.",
    "baseline.reason.false-positive": "false positive",
    "baseline.reason.test-credential": "test credential",
    "baseline.reason.revoked": "revoked",
    "baseline.reason.none": "no reason given",
    "baseline.reason_count": "{count} {reason}",
    "remediation.auth-token": (
        "1. Rotate the Auth Token now: in the Twilio Console create a secondary Auth Token, move "
        "your applications to it, then promote it; the leaked token stops working.\n"
        "2. If it was pushed anywhere, purge it from git history (git filter-repo) and treat it "
        "as public even after the purge.\n"
        "3. Search GitHub for the Account SID (https://github.com/search?q=<SID>&type=Code) to "
        "see where else it is exposed.\n"
        "4. Change the passwords of all users of the account, turn on two-factor authentication, "
        "and check the users' email addresses and your caller IDs for changes.\n"
        "5. Narrow Voice and SMS geographic permissions to the countries you serve and set usage "
        "triggers, to limit toll fraud and SMS pumping.\n"
        "twscan respond does steps 1 and 5 through Twilio's API and lists the rest: save this "
        "report with --format json, then run twscan respond --from-report FILE to see the plan "
        "(docs/respond.md)."
    ),
    "remediation.api-key-secret": (
        "1. Delete the leaked API key in the Twilio Console (API keys cannot be rotated) and "
        "create a new one for your applications.\n"
        "2. Purge the secret from git history if it was pushed.\n"
        "3. Search GitHub for the Account SID, change user passwords, turn on two-factor "
        "authentication, narrow Voice/SMS geographic permissions and set usage triggers.\n"
        "twscan respond --from-report FILE (a --format json report) deletes the leaked keys "
        "through Twilio's API and plans the rest (docs/respond.md)."
    ),
    "remediation.account-sid": (
        "An Account SID is not a secret, but attackers search code for it to find the Auth Token "
        "beside it. Check that no token is nearby or in history, search GitHub for the SID, and "
        "load it from the environment rather than from code."
    ),
    "remediation.api-key-sid": (
        "An API Key SID is harmless alone; make sure its secret is not committed anywhere, and "
        "delete the key if it was."
    ),
    "remediation.sendgrid-api-key": (
        "Delete the SendGrid API key (Settings > API Keys), create a new one with only the "
        "scopes you need, and purge the old one from git history if it was pushed."
    ),
    "remediation.generic": "Revoke or rotate this credential and remove it from the code.",
    "html.title": "twscan audit report",
    "html.generated": "Generated {date} by twscan {version}.",
    "html.redacted": "Values are redacted: this file holds no full credential.",
    "html.lang": "Language",
    "html.sum.repositories": "Repositories",
    "html.sum.failed": "Failed",
    "html.sum.incidents": "Incidents",
    "html.sum.findings": "Findings",
    "html.sum.new": "New",
    "html.sum.live": "Live",
    "html.sum.exposed": "Public on GitHub",
    "html.repos.heading": "Repositories",
    "html.repos.name": "Repository",
    "html.repos.status": "Status",
    "html.repos.error": "Reason",
    "html.repos.findings": "Findings",
    "html.repos.incidents": "Incidents",
    "html.repos.scanned": "Last scanned",
    "html.repos.none": "No repositories in this audit.",
    "html.status.ok": "ok",
    "html.status.failed": "failed",
    "html.timeline.heading": "When secrets were introduced (incidents per month)",
    "html.timeline.none": "No introduction dates to chart.",
    "html.timeline.undated": "{count} incident(s) have no date.",
    "html.timeline.bar": "{month}: {count} incident(s)",
    "html.inc.heading": "Incidents",
    "html.inc.none": "No Twilio credentials found (repositories audited: {repos}).",
    "html.inc.shown": "{shown} of {total} incident(s) match",
    "html.inc.page": "Showing the first {limit} in the current order.",
    "html.inc.more": "Show {count} more",
    "html.inc.all": "Show all {count}",
    "html.inc.nomatch": "No incident matches the filter.",
    "html.col.risk": "#",
    "html.col.severity": "Severity",
    "html.col.kind": "Kind",
    "html.col.value": "Value (redacted)",
    "html.col.places": "Places",
    "html.col.repos": "Repos",
    "html.col.repo": "First repository",
    "html.col.path": "Path",
    "html.col.commit": "Commit",
    "html.col.author": "Author",
    "html.col.date": "Introduced",
    "html.col.state": "State",
    "html.col.head": "In HEAD",
    "html.state.live": "live",
    "html.state.exposed": "public",
    "html.state.in_head": "in HEAD",
    "html.state.history": "history only",
    "html.state.new": "new",
    "html.state.invalid": "rejected by Twilio",
    "html.filter.text": "Filter by repository, path or kind",
    "html.filter.severity": "Severity",
    "html.filter.state": "State",
    "html.filter.new_only": "new only",
    "html.expand": "Show places and remediation",
    "html.places.heading": "Places ({count})",
    "html.yes": "yes",
    "html.no": "no",
    "help.text": "Twilio credentials in source code let anyone send messages and place calls "
    "billed to the account.",
}

JA: dict[str, str] = {
    "exposure.heading": 'GitHub 公開チェック ({api})',
    "exposure.exposed": '{sid}  公開されています: コード検索 {count} 件、{repos} リポジトリ',
    "exposure.token_yes": 'トークンが隣にあります: はい ({token}{where})',
    "exposure.token_no": 'トークンが隣にあります: いいえ',
    "exposure.token_unknown": 'トークンが隣にあります: 不明',
    "exposure.not_found": '{sid}  GitHub コード検索では見つかりませんでした',
    "exposure.scope": '(GitHub コード検索はデフォルトブランチと 384 KB 未満のファイルだけが対象です。見つからないことは漏洩していない証明にはなりません)',
    "exposure.not_checked": '{sid}  未確認: {why}',
    "exposure.manual": '手動で確認: {url}',
    "exposure.first": '初出 {date} ({who}, {sha})',
    "exposure.last": '最終変更 {date} ({who}, {sha})',
    "exposure.incomplete": '不完全: {total} 件中 {shown} 件を表示',
    "exposure.cached": '(キャッシュより、確認日時 {when})',
    "exposure.line": '、{line} 行目',
    "exposure.unknown": '?',
    "exposure.summary": '{sids} 件の SID のうち {exposed} 件が GitHub で公開、うち {beside} 件はトークン付き',
    "kind.account-sid": "アカウント SID",
    "kind.api-key-sid": "API キー SID",
    "kind.auth-token": "Auth Token（認証トークン）",
    "kind.api-key-secret": "API キーシークレット",
    "kind.credential-pair": "認証情報のペア",
    "kind.sendgrid-api-key": "SendGrid API キー",
    "severity.critical": "重大",
    "severity.high": "高",
    "severity.medium": "中",
    "severity.low": "低",
    "reason.pattern": "{kind} の形式に一致",
    "reason.key-name": "{detail} に代入されている",
    "reason.pair-construct": "同じ構文内で SID の直後にある",
    "reason.statement": "Twilio を指す文の引数",
    "reason.scope": "Twilio のセクション {detail} の中",
    "reason.near-id": "SID のそばの認証情報キー {detail}",
    "reason.near-vendor": "Twilio への参照のそばの認証情報キー {detail}",
    "report.none": "Twilio の認証情報は見つかりませんでした。",
    "report.summary": "{files} 個のファイルを検査し、{findings} 件を検出しました（{bytes} バイト、{secs:.2f} 秒）。",
    "report.commits": "{commits} 件のコミットを検査しました。",
    "report.skipped": "検査しなかったファイル（{count} 件）:",
    "report.note": "注意: {note}",
    "report.pair_with": "{line} 行目の {kind} {value} とのペア",
    "report.commit": "コミット {sha}（{author}、{date}）",
    "report.occurrences": "このファイル内に {count} 箇所",
    "report.what_to_do": "対処方法",
    "report.show_secrets_hint": "値は伏せ字で表示しています。--show-secrets で全体を表示します。",
    "report.live.live": "有効: Twilio がこの認証情報を受け付けました（{reason}）",
    "report.live.invalid": "無効: Twilio が拒否しました（{reason}）",
    "report.live.unknown": "有効かどうか不明（{reason}）",
    "report.none_new": "新たな Twilio の認証情報は見つかりませんでした。",
    "report.ignored": "コード内の twscan:ignore で無視した検出（{count} 件）:",
    "report.baselined": "ベースライン {file} で承認済み（{count} 件）: {reasons}",
    "report.below_fail_on": "fail-on の重大度（{severity}）未満の検出 {count} 件: 報告しますが、実行は失敗にしません。",
    "report.allowlisted": "設定の許可リストに一致した値: {count} 件。",
    "report.excluded": "設定で除外したパスの検出: {count} 件。",
    "baseline.reason.false-positive": "誤検知",
    "baseline.reason.test-credential": "テスト用の認証情報",
    "baseline.reason.revoked": "無効化済み",
    "baseline.reason.none": "理由なし",
    "baseline.reason_count": "{reason} {count} 件",
    "remediation.auth-token": (
        "1. 直ちに Auth Token をローテーションしてください。Twilio コンソールでセカンダリ Auth Token を"
        "作成し、アプリケーションをそれに切り替えてから昇格（Promote）すると、漏えいしたトークンは"
        "無効になります。\n"
        "2. どこかに push した場合は git の履歴から削除し（git filter-repo）、削除後も公開済みとして"
        "扱ってください。\n"
        "3. GitHub でアカウント SID を検索し（https://github.com/search?q=<SID>&type=Code）、"
        "他に露出している場所を確認してください。\n"
        "4. アカウントの全ユーザーのパスワードを変更し、二要素認証を有効にし、ユーザーのメールアドレス"
        "と発信者番号（Caller ID）が変更されていないか確認してください。\n"
        "5. 音声と SMS の地域別許可（Geo Permissions）をサービス提供国に絞り、使用量トリガーを設定して"
        "料金詐欺や SMS ポンピングの被害を抑えてください。\n"
        "twscan respond は手順 1 と 5 を Twilio の API で実行し、残りを一覧にします。このレポートを "
        "--format json で保存し、twscan respond --from-report FILE で計画を確認してください"
        "（docs/respond.md）。"
    ),
    "remediation.api-key-secret": (
        "1. Twilio コンソールで漏えいした API キーを削除し（API キーはローテーションできません）、"
        "新しいキーを作成してください。\n"
        "2. push した場合は git の履歴からシークレットを削除してください。\n"
        "3. GitHub でアカウント SID を検索し、ユーザーのパスワード変更、二要素認証の有効化、"
        "音声/SMS の地域別許可の制限、使用量トリガーの設定を行ってください。\n"
        "twscan respond --from-report FILE（--format json のレポート）は漏えいしたキーを Twilio の "
        "API で削除し、残りの手順を計画します（docs/respond.md）。"
    ),
    "remediation.account-sid": (
        "アカウント SID 自体は秘密情報ではありませんが、攻撃者はそのそばにある Auth Token を探すために"
        "コードを検索します。近くや履歴にトークンがないか確認し、GitHub で SID を検索し、"
        "コードではなく環境変数から読み込むようにしてください。"
    ),
    "remediation.api-key-sid": (
        "API キー SID 単体は無害です。そのシークレットがどこにもコミットされていないことを確認し、"
        "コミットされていた場合はキーを削除してください。"
    ),
    "remediation.sendgrid-api-key": (
        "SendGrid の API キーを削除し（Settings > API Keys）、必要な権限だけを持つ新しいキーを作成し、"
        "push した場合は古いキーを git の履歴から削除してください。"
    ),
    "remediation.generic": "この認証情報を無効化またはローテーションし、コードから削除してください。",
    "html.title": "twscan 監査レポート",
    "html.generated": "{date} に twscan {version} で作成。",
    "html.redacted": "値は伏せ字です。このファイルには認証情報の全体は含まれていません。",
    "html.lang": "言語",
    "html.sum.repositories": "リポジトリ",
    "html.sum.failed": "失敗",
    "html.sum.incidents": "インシデント",
    "html.sum.findings": "検出",
    "html.sum.new": "新規",
    "html.sum.live": "有効",
    "html.sum.exposed": "GitHub で公開",
    "html.repos.heading": "リポジトリ",
    "html.repos.name": "リポジトリ",
    "html.repos.status": "状態",
    "html.repos.error": "理由",
    "html.repos.findings": "検出",
    "html.repos.incidents": "インシデント",
    "html.repos.scanned": "最終スキャン",
    "html.repos.none": "この監査にはリポジトリがありません。",
    "html.status.ok": "成功",
    "html.status.failed": "失敗",
    "html.timeline.heading": "シークレットが持ち込まれた時期（月ごとのインシデント数）",
    "html.timeline.none": "グラフにする日付がありません。",
    "html.timeline.undated": "日付のないインシデント: {count} 件。",
    "html.timeline.bar": "{month}: {count} 件",
    "html.inc.heading": "インシデント",
    "html.inc.none": "{repos} 個のリポジトリに Twilio の認証情報は見つかりませんでした。",
    "html.inc.shown": "{total} 件中 {shown} 件が一致",
    "html.inc.page": "現在の並び順で最初の {limit} 件を表示しています。",
    "html.inc.more": "さらに {count} 件を表示",
    "html.inc.all": "{count} 件すべてを表示",
    "html.inc.nomatch": "フィルターに一致するインシデントはありません。",
    "html.col.risk": "#",
    "html.col.severity": "重大度",
    "html.col.kind": "種類",
    "html.col.value": "値（伏せ字）",
    "html.col.places": "箇所",
    "html.col.repos": "リポジトリ数",
    "html.col.repo": "最初のリポジトリ",
    "html.col.path": "パス",
    "html.col.commit": "コミット",
    "html.col.author": "作成者",
    "html.col.date": "持ち込まれた日時",
    "html.col.state": "状態",
    "html.col.head": "HEAD にある",
    "html.state.live": "有効",
    "html.state.exposed": "公開",
    "html.state.in_head": "HEAD にある",
    "html.state.history": "履歴のみ",
    "html.state.new": "新規",
    "html.state.invalid": "Twilio が拒否",
    "html.filter.text": "リポジトリ、パス、種類で絞り込み",
    "html.filter.severity": "重大度",
    "html.filter.state": "状態",
    "html.filter.new_only": "新規のみ",
    "html.expand": "箇所と対処方法を表示",
    "html.places.heading": "箇所（{count} 件）",
    "html.yes": "はい",
    "html.no": "いいえ",
    "help.text": "ソースコード内の Twilio 認証情報があれば、誰でもそのアカウントの費用でメッセージ送信や"
    "通話ができてしまいます。",
}

CATALOGUE = {"en": EN, "ja": JA}


def detect_lang(explicit: str | None = None) -> str:
    """``--lang`` wins; otherwise the locale (LC_ALL, LC_MESSAGES, LANG) decides."""
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        v = os.environ.get(var)
        if v:
            return "ja" if v.lower().startswith("ja") else "en"
    try:
        import locale  # only when no environment variable decides: rare, and 1 ms

        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "ja" if loc.lower().startswith("ja") else "en"


class Messages:
    def __init__(self, lang: str = "en"):
        self.lang = lang if lang in CATALOGUE else "en"
        self._table = CATALOGUE[self.lang]

    def __call__(self, key: str, **kw: object) -> str:
        text = self._table.get(key) or EN.get(key) or key
        return text.format(**kw) if kw else text

    def remediation(self, kind: str, secret_kind: str | None = None) -> str:
        k = secret_kind if kind == "credential-pair" and secret_kind else kind
        return self(f"remediation.{k}") if f"remediation.{k}" in EN else self("remediation.generic")

    def remediation_key(self, kind: str, secret_kind: str | None = None) -> str:
        k = secret_kind if kind == "credential-pair" and secret_kind else kind
        return k if f"remediation.{k}" in EN else "generic"
