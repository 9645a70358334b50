"""The demo consultations (ICB QWE): two open, one closed with its results published, and a Friends
and Family Test feedback collection filled from an imported file. Responses are made up from the
pieces below with a fixed seed, so every demo database holds the same ones."""

CONSULTATIONS = [
    {
        "slug": "urgent-care-northtown",
        "title": "The future of urgent care in Northtown",
        "kind": "consultation",
        "state": "published",
        "paging": "section",
        "opens": -20,
        "closes": 25,
        "activity": "Urgent care hub listening events",
        "summary": "We propose to bring the walk-in centre and the minor injuries unit together in one urgent "
        "treatment centre at Northtown General. Tell us what you think before we decide.",
        "background": "Around 40,000 people a year use the two services. Many told us they do not know which "
        "one to go to. One centre open 8am to 10pm, seven days a week, would have GPs and nurses together.",
        "other_ways": "Ask for a paper copy or an easy read version on 0300 123 4567, or come to one of our "
        "drop-in sessions at Northtown library on Tuesdays from 10am to 1pm.",
        "responses": 180,
        "sections": [
            {
                "title": "Your use of urgent care",
                "questions": [
                    (
                        "single_choice",
                        "Have you used the walk-in centre or the minor injuries unit in the last year?",
                        ["Yes, the walk-in centre", "Yes, the minor injuries unit", "Yes, both", "No"],
                        True,
                    ),
                    (
                        "multiple_choice",
                        "How do you usually travel to urgent care?",
                        ["Car", "Bus", "Walk", "Taxi", "Someone drives me"],
                        False,
                    ),
                ],
            },
            {
                "title": "Our proposal",
                "questions": [
                    (
                        "agreement",
                        "We should bring the two services together in one urgent treatment centre.",
                        None,
                        True,
                    ),
                    (
                        "grid",
                        "How important are these to you?",
                        ["Short waits", "Being close to home", "Parking", "Open in the evening"],
                        False,
                    ),
                    ("free_text", "What would help you most if the services moved?", None, False),
                ],
            },
        ],
    },
    {
        "slug": "maternity-experience-2026",
        "title": "Maternity experience survey 2026",
        "kind": "survey",
        "state": "published",
        "paging": "question",
        "opens": -40,
        "closes": 50,
        "activity": "Maternity and neonatal voices survey",
        "summary": "If you gave birth in Northtown in the last two years, tell us about your care. It takes "
        "about 10 minutes.",
        "background": "The Maternity and Neonatal Voices Partnership will use the answers to choose what to "
        "improve next year.",
        "other_ways": "The survey is also available in Polish, Urdu and Romanian, and on paper at every antenatal "
        "clinic.",
        "responses": 140,
        "sections": [
            {
                "title": "Your care",
                "questions": [
                    (
                        "satisfaction",
                        "Overall, how satisfied were you with your care during labour and birth?",
                        None,
                        True,
                    ),
                    ("rating", "How well did staff listen to you? (1 is not at all, 5 is completely)", None, False),
                    (
                        "ranking",
                        "Put these in order of how much they matter to you",
                        ["Seeing the same midwife", "Being listened to", "Pain relief when I asked", "Clean wards"],
                        False,
                    ),
                    ("free_text", "What was good about your care?", None, False),
                    ("free_text", "What could we have done better?", None, False),
                ],
            },
        ],
    },
    {
        "slug": "community-dental-services",
        "title": "Changes to community dental services",
        "kind": "consultation",
        "state": "results_published",
        "paging": "all",
        "opens": -150,
        "closes": -60,
        "activity": "Community dental services consultation",
        "summary": "We asked whether community dental clinics should move from five sites to three, with "
        "longer opening hours.",
        "background": "Community dental services treat children and adults who cannot use a high street "
        "dentist, including people with learning disabilities.",
        "other_ways": "Easy read and British Sign Language versions were available.",
        "results": "We heard from 120 people. Most supported longer opening hours, but people with learning "
        "disabilities and their carers told us travel to a further clinic would be very hard. We have kept "
        "the Eastfield clinic open and will run a free transport pilot from the other two.",
        "responses": 120,
        "sections": [
            {
                "title": "",
                "questions": [
                    ("agreement", "Clinics should open in the evenings and on Saturdays.", None, True),
                    (
                        "agreement",
                        "Moving from five clinics to three is acceptable if opening hours are longer.",
                        None,
                        True,
                    ),
                    (
                        "single_choice",
                        "Do you care for someone who uses community dental services?",
                        ["Yes", "No"],
                        False,
                    ),
                    ("free_text", "Is there anything else we should consider?", None, False),
                ],
            },
        ],
    },
]

# Free-text answers, mixed so that themes (waiting, travel, staff, communication) recur.
COMMENTS = [
    "The staff were kind and explained everything clearly.",
    "I waited four hours and nobody told me why.",
    "Parking is impossible, I nearly missed my appointment.",
    "The bus only runs every hour so getting there is hard.",
    "Please keep something open in the evening, I work days.",
    "My midwife listened to me and I felt safe.",
    "I had to repeat my story to five different people.",
    "Clean, calm and quick. Thank you.",
    "Information in other languages would really help my mum.",
    "I was not told about pain relief options until too late.",
    "Moving further away would mean two buses with a toddler.",
    "Evening opening would stop me going to A&E.",
    "Reception staff were rude when I asked how long the wait was.",
    "The easy read leaflet was really useful.",
    "",  # some leave the box empty
]

FFT_DEMO = {
    "slug": "fft-northtown-general",
    "title": "Friends and Family Test: Northtown General",
    "services": ["Ward 4 (surgery)", "Ward 7 (elderly care)", "Emergency department", "Outpatients"],
    "rows": 400,
}
