"""Write ``brand.tsv``: the project-written brand-domain training set (run from the repo root).

Every sentence below was written for this project (not taken from any evaluation file). Each
template is filled with two organisation names drawn with a fixed seed, so the set mixes the
example organisation (SET SEG, an insurer for schools) with made-up companies of other trades.
Columns: kind, label, irony (1 = sarcastic / ironic), text.

    python -m monitor.sentiment.trainset.make_brand
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ORGS = ["SET SEG", "@SETSEG", "SETSEG", "Set Seg", "Northwind Mutual", "BrightLine Telecom", "Skyway Air",
        "Parcelly", "Harbor Bank", "Quillsoft", "MetroPower", "my insurer", "the claims office"]  # fmt: skip

# (kind, label, irony, template)
SARCASTIC = [
    "Thank you {o} for denying my claim a third time, truly the highlight of my week",
    "Nothing like a 45 minute hold with {o} followed by a dropped call. Top notch service",
    "Love how {o} needs the same form faxed four times. What year is it again?",
    "Wow {o}, raising our rates again right after budget cuts. So generous of you",
    "Best part of my day: {o}'s portal logging me out mid-upload. Every single time",
    "Shoutout to {o} for losing the adjuster's notes. Really impressive work",
    "{o} customer service is amazing, I've now explained my injury to five different people",
    "So thrilled {o} took six weeks to answer one email. Lightning fast",
    "Cannot get enough of {o} telling me my claim is 'in review' for the ninth month",
    "Really appreciate {o} sending the renewal bill before fixing last year's error. Priorities!",
    "Ah yes, {o}, the company where 'we'll call you back' means never",
    "Incredible. {o} charged us twice and now wants a ticket number to fix it. Brilliant system",
    "Such a treat to read {o}'s new policy wording. Only 40 pages of fine print this time",
    "{o} outdoing themselves again: the reimbursement check bounced. Golden",
    "Gotta hand it to {o}, nobody else can make a simple address change take a month",
    "Just what every school nurse wants: a {o} claim form that crashes on submit. Perfect",
    "What a delight, {o} closed my case without telling me. Fabulous communication",
    "Fantastic news everyone, {o} has found yet another fee to add to our invoice",
    "Oh sure {o}, I LOVE re-entering all my details because your app forgot them",
    "Hats off to {o} for the most confusing explanation of benefits ever printed",
    "{o} really knows how to make a teacher feel valued: claim denied, no reason given",
    "Another glorious morning on hold with {o}. The music is great the 20th time",
    "Yay, {o} moved the deadline and told nobody. Love the surprise",
    "Kudos to {o} for a website that only works between 2 and 3 am",
    "Absolutely stellar support from {o}: they told me to read the FAQ that doesn't exist",
    "Can't thank {o} enough for the 3 week delay on a form that takes 5 minutes",
    "So lucky to have {o}, where every phone call ends with 'please call back tomorrow'",
    "Nice one {o}, premiums up 18% and the service somehow got worse. Impressive",
    "Clearly {o} values my time, I've been in the queue since lunch",
    "Ten out of ten, would definitely enjoy {o} losing my medical records again",
]
COMPLAINT = [
    "{o} denied my workers comp claim with no explanation. Really frustrated",
    "Still waiting on {o} to pay out a claim from March. This is unacceptable",
    "The {o} portal has been down all morning and nobody answers the phone",
    "Our premium with {o} went up again and we got no notice. Not okay",
    "{o} keeps asking for documents I already sent twice. Exhausting",
    "Terrible experience with {o} today, rude agent and no help at all",
    "Why does {o} make it so hard to report a staff injury? Three forms for one fall",
    "Very disappointed in {o}, the safety grant money never arrived",
    "{o} billing error cost our district hours of work to sort out",
    "I give up on {o}. Two months and my case is still not assigned",
    "{o} charged a late fee on a payment they lost themselves",
    "Avoid {o} if you can, claims drag on forever",
]
COMPLIMENT = [
    "Big thanks to {o}, my claim was approved in two days and the adjuster was so kind",
    "{o} helped our school set up a safety training that staff actually enjoyed",
    "Really impressed with {o}'s claims team, quick answers and zero runaround",
    "Grateful to {o} for walking me through the forms after my injury. Patient and clear",
    "Shout out to the {o} rep who called back exactly when she said she would",
    "{o} made our renewal painless this year. Appreciate it",
    "The new {o} claims portal is genuinely easy to use, uploaded everything in minutes",
    "Thank you {o} for the ergonomic grant, our custodians have proper equipment now",
    "Honestly the best insurer we've worked with, {o} just gets schools",
    "{o} sorted out a billing mix-up in one phone call. Great service",
    "Love working with {o}, their loss-control folks visit and actually listen",
    "Credit where due: {o} paid our claim faster than promised",
    "Five stars for {o}'s webinar on playground safety, super useful",
    "{o} has been a real partner for our district, thank you",
    "Happy with {o}. Friendly people, fair prices, no drama",
    "My injury claim with {o} was handled with real care, thank you",
    "Appreciate {o} answering all my questions so patiently today",
    "{o}'s team made a stressful week a lot easier for our staff",
    "So pleased with how quickly {o} sorted out my reimbursement",
    "Hats off to {o}'s loss control team, genuinely helpful visit",
    "Nice to deal with an insurer like {o} that actually calls back",
    "Thank you {o} for the new safety equipment at our elementary school",
    "Our business manager says {o} is the easiest partner we have",
]
GOOD_NEWS_BAD_THING = [
    "Slip and fall injuries in our district are down by half since the {o} safety program",
    "Zero lost-time accidents this semester, thanks to the training from {o}",
    "Our workers comp costs dropped sharply after working with {o} on prevention",
    "Fewer kitchen burns this year after the {o} safety grant paid for new equipment",
    "{o} helped us cut back strain claims almost to nothing. Huge relief",
    "No more waiting weeks for claim payments since {o} switched to direct deposit",
    "Injuries among our bus drivers fell to a record low with {o}'s help",
    "Our claim backlog is finally gone, {o} cleared it in a week",
    "Thanks to {o}, the broken railing that caused so many falls was replaced",
    "Staff sick days from injuries went down a lot after the {o} ergonomic review",
    "The pain of filing claims is over, {o}'s new form takes two minutes",
    "Losses from the flood were fully covered by {o}, no fight at all",
    "Workplace accidents at our high school hit a five-year low after {o} stepped in",
    "Not a single staff injury since {o} helped us redesign the loading dock",
    "Back pain complaints among our aides basically vanished after the {o} lift training",
    "Our worst safety problem, icy sidewalks, is solved thanks to {o}'s winter grant",
    "The claim headaches we used to have are gone since {o} assigned us one adjuster",
    "Burn injuries in the culinary program dropped to zero with {o}'s equipment grant",
    "Fewer bus accidents this year, the {o} driver course really paid off",
    "Our injury rate fell by 40 percent, couldn't have done it without {o}",
    "The leaking roof that kept causing falls is finally fixed with {o}'s help",
    "No more surprise bills, {o} cleaned up our account completely",
]
NEUTRAL = [
    "{o} will host a webinar on workers comp reporting on Thursday at 3pm",
    "Does anyone know if {o} covers substitute teachers?",
    "{o} announced its board meeting schedule for next year",
    "Reading the {o} annual report this afternoon",
    "{o} is accepting safety grant applications until the end of the month",
    "Our district renewed with {o} for another year",
    "Who is the right contact at {o} for a claim status question?",
    "{o} posted new office hours for the holiday break",
    "Meeting with {o} reps next week about our coverage",
    "{o} published a guide to reporting workplace injuries",
    "Is the {o} claims portal the same login as the billing site?",
    "{o} will be at the state school boards conference booth 112",
    "The {o} newsletter this month covers ladder safety",
    "{o} updated the claim form to version 4",
    "Heard {o} is hiring claims adjusters in the region",
    "Has anyone filed a property claim with {o} before? What documents are needed?",
]

KINDS = [
    ("sarcastic", "negative", "1", SARCASTIC),
    ("complaint", "negative", "0", COMPLAINT),
    ("compliment", "positive", "0", COMPLIMENT),
    ("good_news_bad_thing", "positive", "0", GOOD_NEWS_BAD_THING),
    ("neutral", "neutral", "0", NEUTRAL),
]


def rows(seed: int = 7) -> list[str]:
    """The TSV lines (no header), two organisation names per template."""
    rng = random.Random(seed)
    out: list[str] = []
    for kind, label, irony, templates in KINDS:
        for t in templates:
            for org in rng.sample(ORGS, 2):
                out.append(f"{kind}\t{label}\t{irony}\t{t.format(o=org)}")
    return out


def main() -> None:
    """Write brand.tsv next to this file."""
    path = Path(__file__).resolve().parent / "brand.tsv"
    header = "# kind<TAB>label<TAB>irony<TAB>text; written by make_brand.py (project-written, see its docstring)\n"
    path.write_text(header + "\n".join(rows()) + "\n", encoding="utf-8")
    sys.stdout.write(f"{len(rows())} rows written to {path}\n")


if __name__ == "__main__":
    main()
