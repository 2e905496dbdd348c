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
UNDERSTATED_COMPLIMENT = [
    "Braced myself for a battle with {o} over my knee surgery. There wasn't one. Paid in full",
    "Six years of claims with {o} and not one I had to escalate. Rare in this industry",
    "After the gym floor flooded I expected months of back and forth. {o} had an adjuster out the next morning",
    "My {o} adjuster texted me before my MRI to say it was already approved. Little things",
    "I've dealt with worse insurers than {o} by a mile. They answer, they pay, they explain",
    "the {o} night nurse talked me down from a panic about my cut hand at 2am. it was fine. grateful",
    "Hate paperwork, but the {o} injury report took me four minutes. Whoever designed it, thank you",
    "Our district had a rough year of claims and {o} never once made us feel like a problem",
    "Not the flashiest insurer, but {o} shows up when something breaks. That's what matters",
    "Honest review: {o} took a while on my first claim, then made it right with interest. I'd stay",
    "Thought my claim for the fall on the stairs would get denied. {o} approved it without a fight",
    "As a substitute I didn't even know I was covered. {o} called me to explain. Kind of amazing",
    "The {o} adjuster caught that I'd underreported my own expenses and added them. Who does that",
    "When our bus crashed the {o} team was on the phone with parents within the hour. Steady and calm",
    "Eleven years as a district business manager, {o} is the one vendor I never have to chase",
    "{o} sent someone to check the bleachers before homecoming. Found two loose bolts. Glad they came",
    "my claim with {o} was boring in the best way. filed, approved, paid",
    "I complain about insurers a lot so it's only fair: {o} handled my back injury really well",
    "Didn't expect a human to pick up at {o} on a Saturday. One did, and she fixed it",
    "The {o} safety audit flagged our broken eyewash station before anyone got hurt. Worth every minute",
    "Had a scary week after my accident and {o} was the least stressful part of it",
    "{o} reimbursed my physical therapy mileage without me having to ask twice. Appreciated",
    "New to {o} this year, and the onboarding was clearer than anything our last carrier sent in a decade",
    "The {o} claims rep spoke Spanish with my mom so she understood everything. Thank you so much",
    "Five weeks out from my wrist fracture and every {o} bill has been handled. Zero stress on that front",
    "The {o} webinar on classroom ergonomics fixed my neck pain. Not even kidding",
    "Expected the usual runaround from {o}. Got a straight answer in one call instead",
    "{o} paid for the new lift in our nurse's office. Our aides' backs thank them",
    "Credit to {o}: when they made a mistake on our invoice they called us first to fix it",
    "The {o} grief counselor who came after the accident was exactly what our staff needed",
]
RESOLVED_UPDATE = [
    "update: {o} called back and the claim is approved. thanks everyone who shared tips",
    "Following up on my rant last week: {o} sorted it out and apologized. Fair enough",
    "Update: the missing {o} payment arrived today with a note explaining the delay. All good now",
    "Edit: {o} fixed the portal issue, uploaded my forms just now. Thanks for the quick fix",
    "Good news, {o} reversed the denial after I sent the doctor's letter. Relieved",
    "Resolved! {o} found the lost paperwork and my check is on its way",
    "Closing the loop: {o} refunded the duplicate charge within a day of my call",
    "Update on the billing mess: {o} credited our account in full. Thanks to the rep who stayed on it",
]
MORE_COMPLAINT = [
    "{o} lost my injury report and now says I filed too late. Furious",
    "Third week without a callback from {o}. My medical bills are piling up",
    "{o} denied physical therapy my doctor ordered. I can barely lift my arm",
    "{o} doubled our renewal price. No explanation, no meeting offered",
    "The {o} adjuster hung up on me when I asked for the claim number",
    "{o}'s app crashes whenever I attach a receipt. Useless",
    "Two months since the accident and {o} still hasn't assigned me an adjuster",
    "{o} sent my claim documents to the wrong school. Privacy nightmare",
    "I'm done with {o}. Every call is a new person and nobody reads the notes",
    "{o} cut our safety grant without warning, after we planned the whole year around it",
    "Why is {o} asking me to prove I work at the school I've worked at for 15 years",
    "Honestly disappointed, {o} used to be good and now claims take forever",
    "{o} rejected my paperwork over blue ink. Blue ink. In this decade",
    "August ER visit, and {o} has reimbursed nothing so far",
    "{o} told me the injury wasn't work related. I fell off a ladder in my classroom",
    "Waited 90 minutes for {o} support just to be told to email instead",
]
MORE_NEUTRAL = [
    "{o} says slips on wet floors are the top cause of staff injuries in cafeterias",
    "Has anyone had a back injury claim with {o}? How long did it take?",
    "{o} is hiring claims adjusters, posting says remote within the state",
    "Reading {o}'s report on bus accident trends for our board presentation",
    "{o} will close its offices Friday for the holiday",
    "Our district is comparing {o} with two other carriers for next year",
    "{o} published injury statistics for schools in the region this morning",
    "Question for HR folks: does {o} need the supervisor's report or just the employee's?",
    "{o}'s booth at the conference is handing out first aid kits",
    "{o} moved its claims line to a new phone number starting Monday",
    "Writing an article about how school risk pools like {o} handle hail damage claims",
    "{o} rep presenting at our staff meeting about injury reporting deadlines",
    "Is a staff injury during an overnight trip covered by {o}?",
    "{o} changed the deductible schedule for property claims this year",
    "Our business office is switching to {o}'s online billing next month",
    "{o} released a video on preventing ladder falls",
    "Anyone know who replaced the old regional manager at {o}?",
    "{o}'s annual meeting is on the 14th, agenda includes the budget and claims review",
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
    ("compliment", "positive", "0", UNDERSTATED_COMPLIMENT),
    ("resolved_update", "positive", "0", RESOLVED_UPDATE),
    ("complaint", "negative", "0", MORE_COMPLAINT),
    ("neutral", "neutral", "0", MORE_NEUTRAL),
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
