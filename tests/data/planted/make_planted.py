"""Builds ``planted.csv``: personal details planted in short interview answers, for measuring how
many the privacy check finds (``bench/privacy_recall.py``, ``tests/test_privacy_recall.py``).

Run ``python tests/data/planted/make_planted.py`` to write the file again; the output is the same
byte for byte on every run (one seeded generator, lists walked in order), and the generated file is
kept in the repository beside this script so that a measurement never depends on regenerating it.

Each row is one planted item: ``sentence`` (an answer as a separated parent might give it in a
family-court study: short, elliptical, hedged, sometimes several details in one breath), ``start``
and ``span`` (where the item is in the sentence), ``kind`` (full_name, first_name, surname, place,
address, postcode, phone, email, car_reg, date_of_birth), ``origin`` (welsh, polish, south_asian,
english, other; n/a for dates) and ``word_like`` (the name or place is also an ordinary English
word: Will, Hope, Grace, Gill, Reading). One sentence can carry several rows (same
``sentence_id``), and ``split`` says whether its template was one the detector's context rules
were developed against ('dev') or one written afterwards and never tuned on ('fresh').
``negatives.csv`` holds ordinary speech using the same word-like words as words
("I will", "I hope so", "the bill"), none of which should be flagged.

Honesty about overlap. The lists below are the ones the test set is MADE from; the detector's own
lists are ``qualkit/privacy/data/*.txt``, written separately and not copied from here. They overlap
on purpose only as much as real life would: the common names of each origin (Jones, Patel, Nowak,
Priya, Rhys) are in both, and a good part of the names here (rarer Welsh and Polish given names,
many South Asian and other surnames, small towns, all the streets) are in neither the detector's
lists nor anything else it reads, so that the measurement shows how far the context rules and
spaCy generalise. The bench computes, per item, whether each word of its span is in the detector's
lists at measuring time, and reports recall for in-list and out-of-list items apart. Names were
not added to the detector's lists after looking at which items were missed.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
SEED = 2511
COLUMNS = ["id", "sentence_id", "sentence", "start", "span", "kind", "origin", "word_like", "split"]

# --- what the items are made of -------------------------------------------------------------------

FIRST = {
    "welsh": """Rhodri Dafydd Gethin Iwan Emyr Huw Gwion Cerys Ffion Eleri Angharad Manon Lowri
        Carys Gwenllian Aled Ieuan Elin Mali Osian Steffan Catrin Sioned Heledd Meinir Llinos Owain
        Tomos Deiniol Cadi Nerys Gwyneth Siwan Elis Macsen Hywel Bethan Rhian Seren Nia Ceri Sian
        Rhys Gareth Dylan Tegwen Rhydian Caradog Eurig Glesni Mererid Dilys Eirlys Gwawr""",
    "polish": """Agnieszka Katarzyna Małgorzata Magdalena Joanna Zofia Aleksandra Justyna Ewelina
        Dorota Beata Marta Paulina Kinga Wiktoria Piotr Krzysztof Tomasz Paweł Łukasz Michał
        Grzegorz Jakub Marek Wojciech Mateusz Bartosz Szymon Kacper Dawid Rafał Przemysław Jacek
        Zbigniew Maciej Kamil Bożena Jadwiga Grażyna Urszula Halina Żaneta Sławomir Radosław
        Mirosław Jarosław Ryszard Zdzisław Wiesław Oliwia Milena""",
    "south_asian": """Priya Anjali Sunita Aarav Rohan Arjun Vikram Rajesh Sanjay Deepak Harpreet
        Gurpreet Manpreet Jaspreet Simran Navdeep Amandeep Kiran Pooja Neha Shreya Nisha Ravi Amit
        Sunil Imran Farhan Zubair Bilal Tariq Asif Kashif Nadeem Shabana Rukhsana Nazia Saima
        Farzana Rubina Anwar Shahid Rahima Shamima Nasima Mizanur Shafiqul Rezaul Tahmina Jahanara
        Ayesha Fatima Hassan Usman Zainab Mohammed Parminder Baljit Sukhwinder Kuldeep Hardeep
        Rupinder Nirmala Lakshmi Meena Geeta Savita Hemant Prakash Ramesh Suresh Yusuf Ibrahim
        Hamza Mehreen Samina Tasleem Nusrat Shazia Humaira Sajid Waqas Adnan Faisal
        Junaid Zeeshan""",
    "english": """Sarah Emily Gary Tracy Darren Kelly Wayne Lisa Craig Nicola Tyrone Jolene Shelby
        Brogan Kaci Kayden Codie Mackenzie Harley Tayla Reece Kacey Lexie Frankie Macie Corey Dwayne
        Marvin Clive Desmond Royston Glenys Beryl Doreen Shirley Maxine Tammy Kerrie Jayden-Lee
        Demi-Leigh""",
    "other": """Ciaran Padraig Aoife Chidi Ngozi Oluwaseun Chiamaka Tunde Abdi Hodan Faduma Ayaan
        Andrei Ioana Mihai Tomas Rūta João Emre Elif Wei Delroy Georgi Omar Layla Kwame Adaeze
        Dorcas Bogdan""",
}
#: Names that are also ordinary English words (an English origin, in this study's setting).
WORD_FIRST = """Rose Hope Will Grace Mark Dawn Summer Bill Joy Faith Holly Ruby Daisy Jack Frank
    Penny Amber Heather Hazel Robin Jade Ivy Olive Iris Dean Carol Rob Pat Sue Ray Chase Sky
    Autumn Willow Violet Pearl Angel Sunny Guy Miles Poppy Lily Crystal Sandy Cliff Dale Glen
    Drew Earl Patience Honor Harmony Melody Storm River Precious Blessing""".split()
SURNAMES = {
    "welsh": """Jones Williams Davies Evans Thomas Roberts Hughes Lewis Morgan Griffiths Price
        Pritchard Llewellyn Bevan Powell Parry Vaughan Howells Rees Jenkins Prosser Gwilym Meredith
        Pugh Lloyd Prydderch Gruffudd Humphreys Watkins Probert Bowen Cadwaladr Penri Tudur Llwyd
        Wynne Maddocks""",
    "polish": """Kowalski Kowalska Nowak Wiśniewski Wiśniewska Wójcik Kowalczyk Kamiński Lewandowski
        Lewandowska Zieliński Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski
        Krawczyk Piotrowski Grabowski Nowakowski Pawłowski Michalski Wróbel Zając Król Jabłoński
        Majewska Olszewski Stępień Dudek Górecki Sikora Baran Chmielewski Przybylski Szczepański
        Wróblewska Brzezińska Sadowski Kaczmarek Pietrzak Wieczorek Jaworski Malinowska Zawadzki
        Ostrowski Bąk Kubiak Szewczyk Gajewski Błaszczyk Borkowski""",
    "south_asian": """Patel Shah Singh Kaur Sharma Gupta Khan Ahmed Hussain Begum Akhtar Iqbal
        Malik Chaudhry Rahman Uddin Ali Mahmood Siddiqui Qureshi Bhatti Sandhu Dhillon Grewal
        Chauhan Mistry Desai Joshi Kapoor Mehta Nair Pillai Reddy Rao Bose Chowdhury Miah Parmar
        Solanki Thakrar Bains Sidhu Johal Atwal Hayre Rana Mirza Aslam Javed Rashid Hossain Ullah
        Banerjee Mukherjee Chatterjee Venkataraman Krishnan Subramaniam""",
    "english": """Smith Brown Taylor Wilson Johnson Walker Wright Robinson Thompson Harris Clarke
        Turner Moore Morris Shaw Hart Holt Pearson Fletcher Barker Atkinson Dobson Sutcliffe
        Ackroyd Hargreaves Entwistle Greenhalgh Ormerod Rigby Tattersall Thistlethwaite""",
    "other": """O'Brien Murphy O'Sullivan Byrne Okafor Adeyemi Adebayo Eze Bakare Okonkwo Warsame
        Farah Abdullahi Mohamed Popescu Ionescu Dumitru Kazlauskas Petrauskienė Silva Ferreira
        Yılmaz Demir Zhang Chen Campbell Ivanov Haddad Mensah Asante""",
}
#: Surnames that are also ordinary words.
WORD_SURNAMES = {"english": "White Hall Green Wood Baker Hill Cooper Ward King Bell Fox Booth "
                            "Marsh Rose Mason Bird Hunt Young Little Cook".split(),
                 "south_asian": "Gill Lad Butt".split()}
PLACES = {
    "welsh": """Llanelli|Pontypridd|Aberystwyth|Caerphilly|Ynys Môn|Betws-y-Coed|Merthyr Tydfil|
        Bangor|Caernarfon|Aberdare|Ammanford|Carmarthen|Llandudno|Rhyl|Porthmadog|Pwllheli|
        Dolgellau|Machynlleth|Llangollen|Blaenau Ffestiniog|Tonypandy|Treorchy|Maesteg|Porthcawl|
        Neath|Port Talbot|Ebbw Vale|Tredegar|Abergavenny|Cwmbran|Pontypool|Haverfordwest|Tenby|
        Lampeter|Llandeilo|Brecon|Builth Wells|Llandrindod Wells|Welshpool|Holyhead|Llangefni|
        Ystradgynlais|Ystrad Mynach|Bargoed|Blackwood|Senghenydd|Abertillery|Llanrwst|Conwy|
        Prestatyn|Denbigh|Ruthin|Caerdydd|Abertawe|Pontardawe|Treharris|Penarth|Pencoed|
        Llantwit Major|Cwmllynfell""",
    "english": """Keighley|Dewsbury|Batley|Tipton|Smethwick|Hinckley|Wisbech|Spalding|Skegness|
        Whitby|Kendal|Penrith|Hexham|Bridlington|Leeds|Luton|Wigan|Bradford|Goole|Thetford|Redruth|
        Bodmin|Clacton|Jaywick|Rochdale|Accrington|Burnley|Grimsby|Ilkeston|Mexborough""",
    "polish": """Kraków|Gdańsk|Wrocław|Poznań|Łódź|Lublin|Rzeszów|Katowice|Białystok|Szczecin|
        Bydgoszcz|Toruń|Częstochowa|Olsztyn|Kielce""",
    "south_asian": """Mirpur|Lahore|Sylhet|Amritsar|Karachi|Dhaka|Jalandhar|Gujranwala|Ahmedabad|
        Islamabad|Rawalpindi|Ludhiana|Surat|Chennai|Kolkata""",
    "other": """Dublin|Lagos|Bucharest|Vilnius|Mogadishu|Kingston|Accra|Sofia|Izmir""",
}
WORD_PLACES = {"english": "Reading Slough Bath Sale Deal Hull Street Battle Hope March".split(),
               "welsh": "Flint Cardigan Barry Newtown Mold".split()}
STREETS = {
    "welsh": """Heol y Nant|Heol Las|Ffordd y Brenin|Stryd Fawr|Lôn Ceiriog|Heol Tir Coch|
        Ffordd Penrhos|Stryd y Castell|Lôn Goed|Rhodfa'r Môr|Maes y Dre|Heol yr Ysgol|Cwm Road|
        Teras Glanrafon|Clos Cae Mawr|Heol Pant-y-Gored|Lon Isaf|Ffordd Glyndŵr""",
    "english": """Acacia Avenue|Church Street|Station Road|Victoria Terrace|Mill Lane|Park Crescent|
        Oak Close|Queens Drive|Granby Street|Coronation Road|St John's Road|Lord Street|
        Moorland View|Ashfield Grove|Cherry Tree Walk|Beech Way|Kings Court|Elm Place|Orchard Rise|
        Foxglove Mews|Shaw Brow|Lumb Fold|Meadow Bank|Harold Wilson Avenue""",
    "polish": """Grunwaldzka Street|Mickiewicza Road""",
    "south_asian": """Soho Road|Belgrave Road|Green Street|Stratford Road|Wilmslow Road|
        Southall Broadway|Cheetham Hill Road""",
}
POSTCODES = {"welsh": "CF37 1DL|SA15 3AB|LL55 1AA|NP20 4GH|CF10 3AT|SA31 1PG|LL30 2RP|SY23 1DE|"
                      "CF83 8WT|NP4 6JE|LD1 5LG|SA1 1NW|cf37 4tp|SA151AB".split("|"),
             "english": "B12 9QR|M1 4BT|LS6 2HJ|BD7 1DP|L8 5RY|NE1 7RU|BS1 4ND|WF13 2AB|LE4 6LP|"
                        "E13 9PJ|UB1 1HP|OL11 3JG|bd21 3ax|W1A 1AA|EC1A 1BB".split("|")}
PHONES = {"english": "07700 900123|07912 345678|07912345678|0161 496 0123|+44 7700 900456|"
                     "0113 496 0872|(0113) 496 0519|07700-900-781|0800 123 4567|01274 567890|"
                     "07 700 900 222|+44 (0) 7911 123456".split("|"),
          "welsh": "029 2018 3456|01443 123456|(01554) 772211|01248 351144|01970 612345|"
                   "029 2049 8821|07451 223344".split("|"),
          "polish": "+48 601 234 567|+48 512-345-678|0048 601 987 654".split("|"),
          "south_asian": "+92 300 1234567|+91 98765 43210|+880 1711 234567".split("|")}
EMAIL_DOMAINS = ["gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "btinternet.com",
                 "wp.pl", "icloud.com", "live.co.uk", "sky.com", "o2.pl"]
CAR_REGS = {"english": "AB12 CDE|LD68 XYZ|WN70 ABC|YK21 OPL|BD19XYZ|MA15 HGT|LR06 DVK|SN68 UWB|"
                       "KP17 FJD|EY65 RTO".split("|"),
            "welsh": "CY19 KFD|CA18 YTR|CE70 NBV|CF21 WPL|CN14 DSX".split("|"),
            "prefix": "A123 BCD|P567 KLM|M4 ABC|R98 TFE|L712 HJK|S34 WWA".split("|"),
            "suffix": "ABC 123D|JKL 45R|OWE 88S|TRU 402M|VXA 7P".split("|"),
            "dateless": "HX 4172|NIB 3345".split("|")}
DATES = ["12/03/2015", "3/7/2016", "21.07.2012", "04-11-2014", "4th June 2012",
         "14th of February 2017", "2 May 2015", "March 3rd, 2015", "21/7/09", "30th September 2010",
         "1st of August 2019", "09/12/2013", "17 January 2018", "6.4.2011", "22nd November 2016"]

# --- the sentences --------------------------------------------------------------------------------

TEMPLATES = {
    "full_name": [
        "My ex is {x}. Well, ex-husband now.",
        "Her name's {x}, the social worker, not that she ever rang back.",
        "{x} — that's his new partner — she was at the handover.",
        "So I said to {x}, look, it's not about us, is it.",
        "It was {x} from the contact centre who told me, to be fair.",
        "The kids' dad, {x}, he's... yeah. Complicated.",
        "Judge said, um, that {x} had to do the course as well.",
        "Solicitor was a {x}, I think? Legal aid one.",
        "And then {x} turns up, with the kids, an hour late.",
        "My mum, {x}, she does most of the pick-ups now.",
        "Written down as {x} on the order, if that helps.",
        "Apparently {x}'s been telling the school all sorts.",
        "Erm, {x}? Yeah, the one who did the report.",
        "Me and {x} were together eleven years, on and off.",
    ],
    "first_name": [
        "Me and {x} split in 2019, roughly.",
        "{x} said it wasn't her fault, obviously.",
        "My ex, {x}, wouldn't come to the joint session.",
        "I rang {x} after, just to check.",
        "Our youngest, {x}, she's six now.",
        "It's {x}'s weekend, so.",
        "Called {x}. The eldest. Fourteen, knows everything.",
        "I just thought, {x} needs stability, you know?",
        "Then {x} kicked off at the handover, screaming.",
        "Had a letter from {x}'s solicitor, out of nowhere.",
        "Honestly, if {x} had listened...",
        "Dropped {x} at school and went straight to court.",
        "My ex {x} — he's not a bad dad, just unreliable.",
        "{x} was brilliant actually, the facilitator.",
        "Her boyfriend, {x}, he's the problem really.",
        "I mean, {x} tries. She does try.",
    ],
    "surname": [
        "Mr {x} at the school was good about it.",
        "Mrs {x}, the head, she rang me.",
        "Dr {x} signed me off, stress.",
        "We had Judge {x} the second time, she was fairer.",
        "Ms {x} from Cafcass did the report.",
        "His surname's {x}, if you need it.",
        "PC {x} came out that night, to be fair to her.",
        "The kids have got my name now, {x}, not his.",
    ],
    "place": [
        "We moved to {x} after the split.",
        "She's taken them to {x}, two hours away.",
        "Grew up in {x}, me. Never left.",
        "Contact's at a centre in {x} now.",
        "Court was in {x}, the first hearing.",
        "He's back in {x} with his mum.",
        "From {x} originally, yeah.",
        "Drive to {x} every other weekend, there and back.",
        "{x}'s where the kids are at school.",
        "His family are all in {x}, so that's where he goes.",
        "Rented a place near {x}, just temporary.",
    ],
    "address": [
        "I'm at {x} now, the council put me there.",
        "Send it to {x}, that's mine.",
        "She's living at {x} with him.",
        "It was {x}, the old house.",
        "Handovers were outside {x}, his mum's.",
        "New place is {x}. Small, but ours.",
        "We're in {x}, top floor.",
        "Police went round to {x} twice that week.",
    ],
    "postcode": [
        "Postcode's {x}.",
        "It's {x}, if you're sending anything.",
        "Yeah, {x}, near the Tesco.",
        "Sat nav said {x} but the centre's round the back.",
        "Er, {x}? I think. We've only just moved.",
    ],
    "phone": [
        "My number's {x}.",
        "Ring me on {x}, any time after three.",
        "His mobile is {x} — he never answers it.",
        "Text {x}, that's the contact centre.",
        "You can get me on {x} or, um, email.",
        "She kept ringing from {x}, withheld sometimes.",
    ],
    "email": [
        "Email's {x}.",
        "Send it to {x}, that's my work one.",
        "He emails from {x}, all hours.",
        "I think it was {x}? Something like that.",
        "All the arrangements go through {x} now, no texts.",
    ],
    "car_reg": [
        "He drives a black Golf, {x}.",
        "Reg was {x}, I wrote it down.",
        "Silver Corsa, {x}, parked outside the school again.",
        "Number plate {x}, I gave it to the police.",
        "The van's {x}, white Transit.",
        "Police checked {x} and it came back as hers.",
        "Same car every time, the {x}, sat at the end of the road.",
        "Blue Fiesta, registration {x}, she's had it years.",
    ],
    "date_of_birth": [
        "She was born on {x}.",
        "His date of birth is {x}.",
        "DOB {x}, if you need it for the form.",
        "Born {x}, so he's nine now.",
        "Her birthday's {x}, actually.",
        "Date of birth, {x}. The eldest.",
    ],
}
#: Templates written after the detector's context rules were, and never used to change them
#: (split 'fresh'): their recall says how far the rules carry to contexts they were not made from.
FRESH_TEMPLATES = {
    "full_name": [
        "Oh, {x}. Don't get me started.",
        "There was a letter, signed {x}, from the council.",
        "Cafcass woman — {x}, I think her name was — she was fair.",
        "We got {x} as the mediator, which was lucky.",
        "Last I heard {x} was living with his mum again.",
        "I'd put {x} down as the emergency contact, years back.",
    ],
    "first_name": [
        "Obviously {x} wants to see his dad, he's only seven.",
        "Yeah so {x}, she's my middle one, she took it hardest.",
        "Every Saturday I'd take {x} to football and he'd not turn up.",
        "According to {x}, I'm the problem.",
        "{x} and her new fella turned up together.",
        "Went round to {x}'s mum's to pick them up.",
    ],
    "surname": [
        "Her maiden name was {x}, she's gone back to it.",
        "Doctor {x} at the surgery wrote a letter for me.",
        "The kids go by {x} at school now.",
        "Letter came from a Mrs {x}, the new social worker.",
    ],
    "place": [
        "She's from up near {x}, originally.",
        "It's a good hour to {x} on the train.",
        "We had a week in {x} last summer, first time in ages.",
        "Her mum's place in {x}, that's where they stay.",
        "Contact centre's over in {x}, two buses.",
    ],
    "address": ["Letters still go to {x}, I never changed it.",
                "He turned up at {x} at midnight.", "Her new address is {x}."],
    "postcode": ["Put {x} in the sat nav.", "The flat's {x}."],
    "phone": ["Call {x}, leave a message.", "Her number's changed, it's {x} now."],
    "email": ["You can email {x}.", "Drop a line to {x}."],
    "car_reg": ["Plate's {x}, grey Astra.", "I saw {x} outside my mum's again."],
    "date_of_birth": ["D.O.B. is {x}.", "He was born {x}, in the middle of all of it."],
}
FRESH_PLAN = {
    "full_name": {"welsh": 6, "polish": 6, "south_asian": 6, "english": 6, "other": 6},
    "first_name": {"welsh": 5, "polish": 5, "south_asian": 5, "english": 5, "other": 4},
    "surname": {"welsh": 3, "polish": 3, "south_asian": 3, "english": 3},
    "place": {"welsh": 8, "english": 5, "polish": 3, "south_asian": 3, "other": 1},
    "address": {"welsh": 5, "english": 5}, "postcode": {None: 8}, "phone": {None: 8},
    "email": {"welsh": 2, "polish": 2, "south_asian": 2}, "car_reg": {None: 8},
    "date_of_birth": {None: 6},
}
FRESH_WORD_LIKE_FIRST = 8

#: Several details in one breath; each slot becomes a row.
BREATHLESS = [
    "He's {full_name}, lives at {address}, {postcode}, mobile {phone}.",
    "She took the car — {car_reg} — and went to her mum's in {place}.",
    "Kids are {first_name} and {first_name2}, the little one was born {date_of_birth}.",
    "Anyway, {full_name}, {address}, that's where the letters went.",
    "Email {email} or ring {phone}, whichever, she won't answer either.",
    "Mr {surname} — the headteacher — said {first_name} was struggling.",
    "We were in {place}, then {place2}, then back here.",
]
#: Ordinary speech: the word-like names as words, none of it to be flagged.
NEGATIVES = [
    "I will ring them tomorrow, I will.", "Will you be there, they said, and I said no.",
    "I hope so. Hope so, anyway.", "There's always hope, isn't there.",
    "Mark my words, he'll be late.", "They mark it on the calendar, the contact days.",
    "We had a bill from the solicitor, eight hundred quid.",
    "Then the gas bill came, and the council tax.",
    "It was all rose-tinted, looking back.", "Summer holidays are the worst for handovers.",
    "In the summer it's easier, longer days.", "By the grace of God we got through it.",
    "There's a grace period on the payments, apparently.", "Up at dawn to get them to school.",
    "Joy, another letter from the court.", "It was a frank conversation, fair play.",
    "I nearly jacked it all in.", "Then the penny dropped.", "Not a penny from him.",
    "The holly and the ivy, all that, Christmas was hard.", "She was a ray of sunshine that day.",
    "Grace and favour, I call it, when he lets me see them.", "Faith in the system? None.",
    "He'll drag it out, guy like that.", "Miles away, the contact centre, miles.",
    "We reached the rock bottom, really.", "They said it will be fine. Will it though?",
    "I got a parking fine outside the court.", "It's the summer fair at school next week.",
    # agencies, orders, holidays and brands: capitalised, but nobody's personal detail
    "We went to Citizens Advice about the forms.", "Women's Aid were brilliant, honestly.",
    "I'm on Universal Credit now, so money's tight.", "Then Social Services got involved.",
    "Early Help came out twice, that was it.", "He had to do the Freedom Programme first.",
    "They put a Child Arrangements Order in place.", "She went for a Prohibited Steps Order.",
    "I had a Non-Molestation Order for a year.", "It was the Magistrates Court the first time.",
    "We ended up in A and E that night.", "Mother's Day was hard, and Father's Day.",
    "He's in Year 6 now, starting big school soon.", "Boxing Day handover, every year, a row.",
    "They sat watching Sky Sports the whole weekend.", "Match of the Day, that's their thing.",
    "He's got the PlayStation at his dad's.", "She works for the Job Centre, funnily enough.",
    "Our Parenting Plan says every other weekend.", "The Family Court sent us on the course.",
    "We did the Separated Parents Information Programme in the end.",
    "Eid with his side, Christmas with mine, that's the deal.",
]


@dataclass(frozen=True)
class Item:
    kind: str
    span: str
    origin: str
    word_like: bool


def _words(text: str) -> list[str]:
    return text.split()


def _cycle(rng: random.Random, values: list) -> Iterator:
    """Every value once in a shuffled order, then again in another, for ever."""
    while True:
        order = list(values)
        rng.shuffle(order)
        yield from order


def _ascii(text: str) -> str:
    """How a transcriber without Polish keys writes a name: Łukasz as Lukasz."""
    text = text.replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _agreeing(first: str, surname: str) -> str:
    """A Polish surname in the form that goes with the given name: Anna Kowalska, Piotr Kowalski
    (most women's given names end in -a)."""
    woman = first.endswith("a")
    for male, female in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if woman and surname.endswith(male):
            return surname[:-len(male)] + female
        if not woman and surname.endswith(female):
            return surname[:-len(female)] + male
    return surname


class Items:
    """Draws planted items of each kind and origin, walking each list in a seeded order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        pools = {**{("first", o): [(n, False) for n in _words(v)] for o, v in FIRST.items()},
                 **{("surname", o): [(n, False) for n in _words(v)] for o, v in SURNAMES.items()},
                 **{("place", o): [(" ".join(p.split()), False) for p in v.split("|")]
                    for o, v in PLACES.items()},
                 **{("street", o): [(" ".join(s.split()), False) for s in v.split("|")]
                    for o, v in STREETS.items()}}
        pools[("first", "english")] += [(n, True) for n in WORD_FIRST]
        for origin, names in WORD_SURNAMES.items():
            pools[("surname", origin)] += [(n, True) for n in names]
        for origin, places in WORD_PLACES.items():
            pools[("place", origin)] += [(p, True) for p in places]
        self.pools = {key: _cycle(rng, values) for key, values in pools.items()}
        self.word_first = _cycle(rng, WORD_FIRST)
        self.others = {kind: _cycle(rng, [(o, v) for o, vs in table.items() for v in vs])
                       for kind, table in [("postcode", POSTCODES), ("phone", PHONES),
                                           ("car_reg", CAR_REGS)]}
        self.dates = _cycle(rng, DATES)

    def _name(self, key: str, origin: str) -> tuple[str, bool]:
        name, word = next(self.pools[(key, origin)])
        if origin == "polish" and self.rng.random() < 0.25:
            name = _ascii(name)   # a quarter written without the Polish letters
        return name, word

    def first(self, origin: str, word_like: bool | None = None) -> Item:
        if word_like:
            return Item("first_name", next(self.word_first), "english", True)
        name, word = self._name("first", origin)
        return Item("first_name", name, origin, word)

    def surname(self, origin: str) -> Item:
        name, word = self._name("surname", origin)
        return Item("surname", name, origin, word)

    def full(self, origin: str) -> Item:
        first = self.first(origin, word_like=origin == "english" and self.rng.random() < 0.4)
        last = self.surname(origin)
        if origin == "welsh" and self.rng.random() < 0.08:
            span = f"{first.span} ap {self._name('first', 'welsh')[0]}"  # a patronymic
        else:
            surname = _agreeing(first.span, last.span) if origin == "polish" else last.span
            span = f"{first.span} {surname}"
        return Item("full_name", span, origin, first.word_like or last.word_like)

    def place(self, origin: str) -> Item:
        name, word = next(self.pools[("place", origin)])
        return Item("place", name, origin, word)

    def address(self, origin: str) -> Item:
        street, _ = next(self.pools[("street", origin)])
        number = self.rng.choice([str(self.rng.randint(1, 120)), f"{self.rng.randint(1, 60)}a"])
        style = self.rng.random()
        if style < 0.2:
            span = f"Flat {self.rng.randint(1, 12)}, {number} {street}"
        elif style < 0.3:
            span = f"flat {self.rng.randint(1, 9)}{self.rng.choice('ab')}, {number} {street}"
        else:
            span = f"{number} {street}"
        return Item("address", span, origin, False)

    def other(self, kind: str) -> Item:
        origin, value = next(self.others[kind])
        return Item(kind, value, "english" if origin in ("prefix", "suffix", "dateless")
                    else origin, False)

    def email(self, origin: str) -> Item:
        first = _ascii(self.first(origin).span).lower().replace("-", "")
        last = _ascii(self.surname(origin).span).lower().replace("'", "")
        local = self.rng.choice([f"{first}.{last}", f"{first}{self.rng.randint(70, 99)}",
                                 f"{first}_{last[0]}", f"{last}.{first[0]}"])
        return Item("email", f"{local}@{self.rng.choice(EMAIL_DOMAINS)}", origin, False)

    def date(self) -> Item:
        return Item("date_of_birth", next(self.dates), "n/a", False)

    def of(self, kind: str, origin: str) -> Item:
        if kind == "full_name":
            return self.full(origin)
        if kind == "first_name":
            return self.first(origin)
        if kind == "surname":
            return self.surname(origin)
        if kind == "place":
            return self.place(origin)
        if kind == "address":
            return self.address(origin)
        if kind == "email":
            return self.email(origin)
        if kind == "date_of_birth":
            return self.date()
        return self.other(kind)


#: Items per kind and origin (origin None: the kind's own origins, in its lists).
PLAN = {
    "full_name": {"welsh": 28, "polish": 28, "south_asian": 28, "english": 22, "other": 14},
    "first_name": {"welsh": 18, "polish": 18, "south_asian": 18, "english": 10, "other": 8},
    "surname": {"welsh": 10, "polish": 10, "south_asian": 10, "english": 8, "other": 6},
    "place": {"welsh": 34, "english": 18, "polish": 8, "south_asian": 8, "other": 4},
    "address": {"welsh": 18, "english": 18, "polish": 2, "south_asian": 6},
    "email": {"welsh": 6, "polish": 6, "south_asian": 6, "english": 4, "other": 3},
    "postcode": {None: 26}, "phone": {None: 26}, "car_reg": {None: 30},
    "date_of_birth": {None: 20},
}
WORD_LIKE_FIRST = 40   # extra first names that are also words, the hidden set's worst case


def _fill(template: str, items: dict[str, Item]) -> tuple[str, list[tuple[int, Item]]]:
    """The template with its slots filled, and where each item landed."""
    sentence, placed, cursor = "", [], 0
    while True:
        left = template.find("{", cursor)
        if left < 0:
            return sentence + template[cursor:], placed
        right = template.index("}", left)
        sentence += template[cursor:left]
        item = items[template[left + 1:right]]
        placed.append((len(sentence), item))
        sentence += item.span
        cursor = right + 1


def _one_per_sentence(rng: random.Random, draw: Items, templates: dict, plan: dict,
                      word_like: int) -> list[tuple[str, list[tuple[int, Item]]]]:
    sentences = []
    for kind, origins in plan.items():
        cycle = _cycle(rng, templates[kind])
        for origin, count in origins.items():
            for _ in range(count):
                item = draw.of(kind, origin or "english")
                sentences.append(_fill(next(cycle), {"x": item}))
    cycle = _cycle(rng, templates["first_name"])
    for _ in range(word_like):
        sentences.append(_fill(next(cycle), {"x": draw.first("english", word_like=True)}))
    return sentences


def build(seed: int = SEED) -> list[dict[str, str]]:
    rng = random.Random(seed)
    draw = Items(rng)
    sentences = _one_per_sentence(rng, draw, TEMPLATES, PLAN, WORD_LIKE_FIRST)
    origins = _cycle(rng, ["welsh", "polish", "south_asian", "english", "other"])
    for round_ in range(4):
        for template in BREATHLESS:
            origin = next(origins)
            slot_origin = "english" if origin == "other" else origin  # no 'other' streets
            slots = {"full_name": draw.full(origin), "address": draw.address(slot_origin),
                     "postcode": draw.other("postcode"), "phone": draw.other("phone"),
                     "car_reg": draw.other("car_reg"), "place": draw.place(origin),
                     "place2": draw.place(next(origins)), "first_name": draw.first(origin),
                     "first_name2": draw.first(origin, word_like=round_ % 2 == 1),
                     "date_of_birth": draw.date(), "email": draw.email(origin),
                     "surname": draw.surname(origin)}
            sentences.append(_fill(template, slots))
    dev = len(sentences)
    sentences += _one_per_sentence(rng, draw, FRESH_TEMPLATES, FRESH_PLAN, FRESH_WORD_LIKE_FIRST)
    rows = []
    for sentence_id, (sentence, placed) in enumerate(sentences, 1):
        for start, item in placed:
            assert sentence[start:start + len(item.span)] == item.span
            rows.append({"id": str(len(rows) + 1), "sentence_id": str(sentence_id),
                         "sentence": sentence, "start": str(start), "span": item.span,
                         "kind": item.kind, "origin": item.origin,
                         "word_like": "1" if item.word_like else "0",
                         "split": "dev" if sentence_id <= dev else "fresh"})
    return rows


def write(folder: Path = HERE) -> Path:
    path = folder / "planted.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(build())
    with open(folder / "negatives.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["sentence"])
        writer.writerows([s] for s in NEGATIVES)
    return path


def read(folder: Path = HERE) -> list[dict[str, str]]:
    """The planted rows as written (strings), from the committed file."""
    with open(folder / "planted.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_negatives(folder: Path = HERE) -> list[str]:
    with open(folder / "negatives.csv", newline="", encoding="utf-8") as handle:
        return [row["sentence"] for row in csv.DictReader(handle)]


QUESTIONS = ["Can you tell me a bit about what happened?", "And who else was involved?",
             "Where are things now?", "How did the court side of it go?", "Anything else?",
             "How do the handovers work?", "And the children?", "What did the course do for you?"]


def write_transcripts(folder: Path, rows: list[dict[str, str]] | None = None,
                      per_file: int = 18) -> list[Path]:
    """The planted sentences as interview transcripts (front matter, Interviewer:/Respondent:
    turns, one planted sentence and a plain one per answer), ``per_file`` answers a file."""
    rows = rows if rows is not None else read()
    sentences = list(dict.fromkeys(row["sentence"] for row in rows))
    plain = ["It was hard, to be honest.", "The course helped a bit, the group part mostly.",
             "I didn't want to go at first.", "We still argue about the handovers.",
             "The kids are doing alright now, mostly.", "I felt nobody listened, at court."]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, first in enumerate(range(0, len(sentences), per_file), 1):
        case = f"PL{n:02d}"
        lines = ["---", f"case: {case}", f"role: {'Mother' if n % 2 else 'Father'}",
                 f"area: Area {'ABCD'[n % 4]}", "---"]
        for k, sentence in enumerate(sentences[first:first + per_file]):
            lines += [f"Interviewer: {QUESTIONS[k % len(QUESTIONS)]}",
                      f"Respondent: {plain[k % len(plain)]} {sentence}"]
        path = folder / f"{case}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    written = write()
    print(f"{written}: {len(read())} planted items")
