# ruff: noqa: E501  (prose: Markdown paragraphs are kept on one line each)
"""Demo articles: genuine help content for はなまる採用 (a hiring SaaS), and a generic set for
the other demo tenants. Each entry: section key, slug, maturity, tiers, phases, next slug,
{language: translation fields}."""

from __future__ import annotations

from typing import Any

Entry = dict[str, Any]

HANAMARU: list[Entry] = [
    {
        "section": "get-started",
        "slug": "edit-company-page",
        "maturity": "how_to",
        "tiers": ["tech", "low"],
        "phases": ["onboarding"],
        "next": "register-members",
        "ja": {
            "title": "会社ページを編集して、あなたの会社の魅力を伝えよう",
            "summary": "候補者が最初に見るのが会社ページです。15分で基本の設定を終えましょう。",
            "body_markdown": """候補者は応募する前に、ほぼ必ず会社ページを読みます。求人よりも先に、\
「どんな人たちが、なぜこの仕事をしているのか」を伝えるのが会社ページの役割です。

## 1. 基本情報を入力する

1. 画面右上の **設定 → 会社ページ** を開きます。
2. 会社名・所在地・従業員数・設立年を入力します。
3. ロゴ（正方形、400×400px 以上）とカバー画像（横長、1600×900px 推奨）をアップロードします。

## 2. 「私たちについて」を書く

事業の説明だけでなく、**なぜその事業をしているのか** を書きましょう。応募が多い会社ページには共通点があります。

- 1段落目で、解決したい課題を一言で伝えている
- 社員の写真が3枚以上ある（オフィスより「人」が写っている写真）
- 働き方（リモート、フレックスなど）が具体的に書かれている

## 3. プレビューして公開する

**プレビュー** でスマートフォン表示も確認してから **公開** を押します。公開後も何度でも編集できます。

> ヒント：最初から完璧を目指す必要はありません。まず公開し、応募者の反応を見ながら育てていきましょう。
""",
        },
        "en": {
            "title": "Edit your company page and show what makes you different",
            "summary": "Candidates read your company page first. Finish the basics in 15 minutes.",
            "body_markdown": """Almost every candidate reads your company page before applying. \
Before any job posting, it answers the question "who are these people, and why do they do \
this work?"

## 1. Fill in the basics

1. Open **Settings → Company page** (top right).
2. Enter your company name, location, head count and founding year.
3. Upload a logo (square, at least 400×400px) and a cover image (wide, 1600×900px recommended).

## 2. Write "About us"

Do not stop at what your business does: say **why** you do it. Pages that attract the most \
applications have a few things in common:

- the first paragraph names the problem you solve, in one sentence;
- there are at least three photos of your team (people, not just the office);
- ways of working (remote, flexible hours…) are spelled out.

## 3. Preview and publish

Use **Preview** to check the phone layout, then press **Publish**. You can edit it any time.

> Tip: don't aim for perfect on day one. Publish, watch how candidates respond, and improve.
""",
        },
    },
    {
        "section": "get-started",
        "slug": "register-members",
        "maturity": "how_to",
        "tiers": ["tech", "low"],
        "phases": ["onboarding"],
        "next": "publish-first-posting",
        "ja": {
            "title": "メンバーを登録して、チームで採用を進めよう",
            "summary": "面接官や部門責任者を招待し、役割に合った権限を設定する方法です。",
            "body_markdown": """採用は人事だけの仕事ではありません。現場のメンバーが選考に加わると、\
候補者への返信が早くなり、入社後のミスマッチも減ります。

## メンバーを招待する

1. **設定 → メンバー** を開き、**メンバーを招待** を押します。
2. メールアドレスを入力し、権限を選びます（複数人をまとめて貼り付けることもできます）。
3. 招待メールのリンクは7日間有効です。届かない場合は迷惑メールフォルダを確認してください。

## 権限の選び方

| 権限 | できること | おすすめの相手 |
|---|---|---|
| 管理者 | すべての設定、請求情報 | 人事責任者 1〜2名 |
| 採用担当 | 求人の作成・公開、候補者管理 | 人事・採用チーム |
| 面接官 | 担当する候補者の閲覧と評価 | 現場のメンバー |

## うまくいくチームの工夫

- 面接官には、評価の入力期限（例：面接当日中）を決めておきましょう。
- 通知は **候補者ごと** にオンにすると、関係のない通知に埋もれません。
""",
        },
        "en": {
            "title": "Register your team members and hire together",
            "summary": "Invite interviewers and hiring managers, and give each the right role.",
            "body_markdown": """Hiring is not HR's job alone. When people from the team join \
the process, candidates hear back faster and new hires fit better.

## Invite members

1. Open **Settings → Members** and press **Invite members**.
2. Enter e-mail addresses and pick a role (you can paste several addresses at once).
3. The invitation link is valid for 7 days. If it does not arrive, check the spam folder.

## Choosing roles

| Role | Can do | Give it to |
|---|---|---|
| Admin | Every setting, billing | 1–2 HR leads |
| Recruiter | Create and publish postings, manage candidates | The recruiting team |
| Interviewer | See and rate their own candidates | People from the team |

## Habits of teams that do well

- Agree on a deadline for interview feedback (for example, the same day).
- Turn notifications on **per candidate**, so nobody drowns in unrelated alerts.
""",
        },
    },
    {
        "section": "get-started",
        "slug": "publish-first-posting",
        "maturity": "how_to",
        "tiers": ["tech", "low"],
        "phases": ["onboarding"],
        "next": "postings-that-attract-applicants",
        "ja": {
            "title": "はじめての求人を公開する",
            "summary": "求人の作成から公開、応募の受け取りまでを順番に説明します。",
            "body_markdown": """会社ページとメンバーの準備ができたら、いよいよ求人を公開しましょう。

## 求人を作成する

1. **求人 → 新しい求人** を押します。
2. 職種名は、候補者が検索する言葉で書きます（例：「カスタマーサクセス」「経理（月次決算）」）。
3. **仕事内容** には、入社後3か月で任せたいことを具体的に書きます。
4. 応募条件は「必須」と「歓迎」に分け、必須は3つ以内に絞りましょう。

## 公開前のチェックリスト

- [ ] 給与レンジを書いた（記載があると応募率が上がる傾向があります）
- [ ] 選考フロー（面接回数・期間の目安）を書いた
- [ ] 担当する面接官を設定した

## 公開と応募の受け取り

**公開** を押すと、会社ページと求人一覧に掲載されます。応募が届くと、担当者にメールとアプリで通知されます。\
最初の返信は **48時間以内** を目標にしましょう。
""",
        },
        "en": {
            "title": "Publish your first job posting",
            "summary": "From writing a posting to publishing it and receiving applications.",
            "body_markdown": """With your company page and team in place, it is time to publish \
a posting.

## Write the posting

1. Press **Postings → New posting**.
2. Use the job title candidates actually search for ("Customer Success Manager", \
"Accountant (monthly close)").
3. Under **What you will do**, describe what the new hire will own in their first three months.
4. Split requirements into "must have" and "nice to have", with at most three musts.

## Checklist before publishing

- [ ] A salary range is shown (postings with one tend to get more applications)
- [ ] The selection steps (number of interviews, typical duration) are described
- [ ] Interviewers are assigned

## Publish and receive applications

Press **Publish**: the posting appears on your company page and in the job list. New \
applications notify the people in charge by e-mail and in the app. Aim to reply within \
**48 hours**.
""",
        },
    },
    {
        "section": "best-practices",
        "slug": "postings-that-attract-applicants",
        "maturity": "way_of_thinking",
        "tiers": ["tech", "low", "high"],
        "phases": ["adoption"],
        "next": "review-hiring-with-numbers",
        "ja": {
            "title": "応募が集まる求人票の考え方",
            "summary": "条件を並べるより、「誰の、どんな一日が変わるのか」を書く。",
            "body_markdown": """応募が集まる求人票は、条件の一覧ではなく **物語** になっています。\
成果を出しているお客様の求人票から見えてきた考え方を紹介します。

## 1. 「誰に読んでほしいか」を一人決める

年齢や経験年数ではなく、「いまの職場で〇〇にもどかしさを感じている人」のように、\
読んでほしい人の状況を一人分だけ決めてから書き始めます。

## 2. 仕事の「やりがい」より「手触り」

「裁量が大きい」と書くより、「入社2か月目に、問い合わせ対応のフローを自分で作り直した先輩がいます」\
と書くほうが伝わります。

## 3. 正直に書く

大変なこと（繁忙期、立ち上げ中の混乱）も書きましょう。正直な求人票は応募数が少し減っても、\
**選考通過率と入社後の定着率が上がります**。

## 4. 写真は「一緒に働く人」

職場の写真より、一緒に働くメンバーの写真のほうが応募につながります。
""",
        },
        "en": {
            "title": "How to think about postings that attract applicants",
            "summary": "Rather than listing conditions, tell whose working day will change, and how.",
            "body_markdown": """Postings that attract applicants read like a **story**, not a \
list of conditions. Here is what we learned from the postings of our most successful customers.

## 1. Write for one person

Not an age or a number of years of experience, but a situation: "someone frustrated that \
their current team never gets to fix the process". Decide on one reader before you write.

## 2. Texture over slogans

"Lots of autonomy" says little. "In her second month, one of our team rebuilt how we answer \
support requests" says a lot.

## 3. Be honest

Mention the hard parts too (busy seasons, the mess of a new team). Honest postings may get \
slightly fewer applications, but **more candidates pass interviews and stay after joining**.

## 4. Show the people

Photos of future colleagues lead to more applications than photos of the office.
""",
        },
    },
    {
        "section": "best-practices",
        "slug": "share-postings",
        "maturity": "how_to",
        "tiers": ["tech", "low"],
        "phases": ["adoption"],
        "next": None,
        "ja": {
            "title": "求人をシェアして応募者を増やす 5つの方法",
            "summary": "社員のつながりとSNSを使って、求人を届けたい人に届ける。",
            "body_markdown": """求人は公開しただけでは読まれません。応募者の多いお客様が実践している\
シェアの工夫です。

1. **社員紹介（リファラル）**：求人ページの **シェア用リンク** を社内チャットで共有します。\
リンク経由の応募は、紹介者が分かるように記録されます。
2. **SNSは曜日と時間を選ぶ**：平日の朝（7〜9時）と昼休みに反応が集まりやすい傾向があります。
3. **ストーリーを添える**：求人のURLだけでなく、「この仕事で一番うれしかった瞬間」を一言添えます。
4. **イベントと組み合わせる**：カジュアル面談会や勉強会の告知に求人を載せます。
5. **2週間ごとに見直す**：閲覧数に対して応募が少ない求人は、タイトルと最初の3行を書き直しましょう。
""",
        },
        "en": {
            "title": "5 ways to share postings and reach more candidates",
            "summary": "Use your team's networks and social media to reach the right people.",
            "body_markdown": """A published posting is not yet a read posting. Here is how \
customers with the most applicants share theirs.

1. **Employee referrals**: share the posting's **share link** in your team chat. Applications \
through the link record who referred them.
2. **Pick the time on social media**: weekday mornings (7–9am) and lunch breaks tend to work best.
3. **Add a story**: next to the link, add one line on the best moment of doing this job.
4. **Combine with events**: put postings in invitations to casual meetups and study sessions.
5. **Review every two weeks**: for postings with many views but few applications, rewrite \
the title and the first three lines.
""",
        },
    },
    {
        "section": "best-practices",
        "slug": "review-hiring-with-numbers",
        "maturity": "way_of_thinking",
        "tiers": ["high", "low"],
        "phases": ["adoption", "renewal"],
        "next": None,
        "ja": {
            "title": "採用活動を数字で振り返る",
            "summary": "閲覧→応募→面接→内定→入社。どこで候補者が離れているかを見つけよう。",
            "body_markdown": """「応募が少ない」と感じたとき、本当の課題は別の場所にあることがよくあります。\
**レポート → 採用ファネル** で、段階ごとの割合を見てみましょう。

## 見るべき3つの数字

- **閲覧→応募率**：低い場合は、求人のタイトルと冒頭を見直します。
- **応募→面接率**：低い場合は、最初の返信までの時間を確認します（48時間を超えていませんか？）。
- **内定→入社率**：低い場合は、選考中の情報提供（働く人に会う機会など）を増やします。

## 月に一度、チームで振り返る

数字は責めるためではなく、次に試すことを決めるために使います。\
「今月試したこと」「わかったこと」「来月試すこと」を一枚にまとめるのがおすすめです。
""",
        },
        "en": {
            "title": "Review your hiring with numbers",
            "summary": "Views → applications → interviews → offers → hires: find where candidates drop.",
            "body_markdown": """When it feels like "we don't get enough applications", the real \
problem is often somewhere else. Open **Reports → Hiring funnel** and look at each step.

## Three numbers to watch

- **View → application**: if low, revisit the posting's title and opening lines.
- **Application → interview**: if low, check the time to first reply (over 48 hours?).
- **Offer → hire**: if low, give candidates more to go on during selection (meet the team).

## Review once a month, as a team

Numbers are for deciding what to try next, not for blame. One page with "what we tried", \
"what we learned" and "what we'll try next month" works well.
""",
        },
    },
    {
        "section": "customer-stories",
        "slug": "story-midori-foods",
        "maturity": "way_of_thinking",
        "tiers": ["tech", "low", "high"],
        "phases": ["adoption", "renewal"],
        "next": None,
        "ja": {
            "title": "「現場を巻き込んだら、応募者との距離が縮まった」ミドリ食品 山田さん",
            "summary": "人事ひとりの採用から、現場と一緒に進める採用へ。半年で応募数が2倍に。",
            "story_person": "山田 彩",
            "story_role": "人事部 採用担当",
            "story_company": "株式会社ミドリ食品",
            "story_what": "工場の現場リーダー6名を面接官として登録し、"
            "求人票に「一緒に働く人」の写真と言葉を載せた。",
            "story_quote": "現場のリーダーが自分の言葉で仕事を語ると、応募者の質問が具体的になりました。",
            "body_markdown": """## ひとりで抱えていた採用

山田さんが入社したとき、採用は人事部の山田さんひとりの仕事でした。求人票は前年のものを\
少し直して出すだけ。応募は月に数件で、面接の日程調整にも追われていました。

## 現場のリーダーを面接官に

転機は、工場の現場リーダー6名をメンバーとして登録したことです。面接官の権限で、\
自分が担当する候補者の情報だけを見られるようにしました。評価は面接当日中に入力する、\
というルールも一緒に決めました。

## 求人票に「人」を載せる

求人票には、現場リーダーの写真と「この仕事で一番うれしかった瞬間」を載せました。\
半年後、応募数は2倍に。内定承諾率も上がりました。

> 現場のリーダーが自分の言葉で仕事を語ると、応募者の質問が具体的になりました。

## 山田さんからのひとこと

「全部を変えなくていいんです。まず一人、現場の人に声をかけてみてください。」
""",
        },
        "en": {
            "title": '"Bringing in the shop floor brought us closer to candidates": '
            "Aya Yamada, Midori Foods",
            "summary": "From one person in HR to hiring with the whole team: applications doubled "
            "in six months.",
            "story_person": "Aya Yamada",
            "story_role": "Recruiter, HR",
            "story_company": "Midori Foods Co., Ltd.",
            "story_what": "Registered six factory team leaders as interviewers and put their "
            "photos and words in every posting.",
            "story_quote": "When team leaders describe the work in their own words, candidates "
            "start asking concrete questions.",
            "body_markdown": """## Hiring, alone

When Aya joined, hiring was her job alone. Postings were last year's, lightly edited. A \
handful of applications a month, and most of her time went into scheduling interviews.

## Team leaders as interviewers

The turning point: she registered six factory team leaders as members, with the Interviewer \
role so each sees only their own candidates, and they agreed to enter feedback on the day of \
the interview.

## People in the postings

Every posting now shows the team leaders' photos and "the best moment of doing this job". Six \
months later applications had doubled, and more offers were accepted.

> When team leaders describe the work in their own words, candidates start asking concrete \
questions.

## Aya's advice

"You don't have to change everything. Start by asking one person from the team to join."
""",
        },
    },
]


def generic_articles(product: str) -> list[Entry]:
    """A short, useful set for any product (the other demo tenants)."""
    return [
        {
            "section": "get-started",
            "slug": "first-steps",
            "maturity": "how_to",
            "tiers": ["tech", "low"],
            "phases": ["onboarding"],
            "next": "invite-your-team",
            "ja": {
                "title": f"{product} をはじめる：最初の30分でやること",
                "summary": "初期設定、データの取り込み、最初の成果までの道のりです。",
                "body_markdown": f"""## 1. 組織情報を設定する
**設定 → 組織** で会社名・タイムゾーン・ロゴを設定します。

## 2. データを取り込む
CSVファイルをアップロードすると、既存のデータをまとめて取り込めます。\
まず10件だけで試してから、全件を取り込むのがおすすめです。

## 3. 最初の成果を確認する
ダッシュボードに数字が表示されたら準備完了です。{product} で何を達成したいかを、\
チームで一文にまとめておきましょう。
""",
            },
            "en": {
                "title": f"Getting started with {product}: your first 30 minutes",
                "summary": "Set-up, importing your data, and your first result.",
                "body_markdown": f"""## 1. Set up your organisation
In **Settings → Organisation**, set your company name, time zone and logo.

## 2. Import your data
Upload a CSV file to bring in existing data in one go. Try 10 rows first, then import all.

## 3. See your first result
When numbers appear on the dashboard you are ready. Write down, as a team, one sentence on \
what you want to achieve with {product}.
""",
            },
        },
        {
            "section": "get-started",
            "slug": "invite-your-team",
            "maturity": "how_to",
            "tiers": ["tech", "low"],
            "phases": ["onboarding"],
            "next": "weekly-habit",
            "ja": {
                "title": "チームを招待する",
                "summary": "メンバーを招待し、役割ごとに権限を設定します。",
                "body_markdown": """1. **設定 → メンバー → 招待** を開きます。
2. メールアドレスを入力し、権限（管理者・編集者・閲覧者）を選びます。
3. 招待リンクは7日間有効です。

使う人が増えるほど、データは正確になり、成果も見えやすくなります。
""",
            },
            "en": {
                "title": "Invite your team",
                "summary": "Invite members and give each the right role.",
                "body_markdown": """1. Open **Settings → Members → Invite**.
2. Enter e-mail addresses and pick a role (admin, editor, viewer).
3. Invitation links are valid for 7 days.

The more people use it, the more accurate your data and the clearer your results.
""",
            },
        },
        {
            "section": "best-practices",
            "slug": "weekly-habit",
            "maturity": "way_of_thinking",
            "tiers": ["tech", "low", "high"],
            "phases": ["adoption"],
            "next": None,
            "ja": {
                "title": "毎週15分の振り返りを習慣にする",
                "summary": "成果を出しているチームに共通する、小さな習慣です。",
                "body_markdown": """成果を出しているチームは、毎週同じ曜日に15分だけ数字を見ています。

- 先週と比べて増えたもの・減ったものを1つずつ挙げる
- 理由を一言で書く
- 今週試すことを1つ決める

「毎日ログインする」ことではなく、**業務の中で数字を使う** ことが定着のコツです。
""",
            },
            "en": {
                "title": "Make a 15-minute weekly review a habit",
                "summary": "A small habit shared by teams that get results.",
                "body_markdown": """Teams that get results look at their numbers for 15 minutes, \
on the same day, every week.

- Name one thing that went up and one that went down since last week
- Write the reason in one line
- Pick one thing to try this week

The point is not "log in every day" but **using the numbers in your own work**.
""",
            },
        },
        {
            "section": "customer-stories",
            "slug": "story-team-lead",
            "maturity": "way_of_thinking",
            "tiers": ["tech", "low", "high"],
            "phases": ["adoption"],
            "next": None,
            "ja": {
                "title": "「数字で話せるようになって、会議が半分になった」",
                "summary": f"{product} を社内に広めた担当者の取り組み。",
                "story_person": "佐々木 直人",
                "story_role": "営業企画部 マネージャー",
                "story_company": "株式会社サンプル商事",
                "story_what": "週次の定例会議を、ダッシュボードを見ながら15分で終える形に変えた。",
                "story_quote": "感覚ではなく数字で話せるようになって、決めるのが速くなりました。",
                "body_markdown": f"""佐々木さんのチームでは、毎週の定例会議が1時間を超えていました。\
{product} のダッシュボードを会議の最初に映すようにしてから、議論は「何が起きたか」ではなく\
「次に何をするか」に変わりました。

> 感覚ではなく数字で話せるようになって、決めるのが速くなりました。
""",
            },
            "en": {
                "title": '"Talking in numbers cut our meetings in half"',
                "summary": f"How one manager spread {product} across the company.",
                "story_person": "Naoto Sasaki",
                "story_role": "Manager, Sales Planning",
                "story_company": "Sample Trading Co., Ltd.",
                "story_what": "Turned the weekly meeting into 15 minutes in front of the dashboard.",
                "story_quote": "Once we talked in numbers instead of gut feeling, we decided faster.",
                "body_markdown": f"""Naoto's weekly team meeting used to run past an hour. Since \
the {product} dashboard opens every meeting, the discussion is no longer about what happened \
but about what to do next.

> Once we talked in numbers instead of gut feeling, we decided faster.
""",
            },
        },
    ]
