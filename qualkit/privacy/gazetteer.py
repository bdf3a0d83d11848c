"""Common first names and UK towns and cities, for the detector's lists.

spaCy's small English model misses many first names standing alone ("Emily was upset", "I rang
Sophie's teacher"), and a first name is the detail most often left in a transcript anonymised by
hand. These are the most frequent names given to babies (ONS baby names, 1970s to 2020s: the
parents and the children of a family-services study), plus common short forms.

``WORD_NAMES`` are also ordinary words ("Grace", "Will", "Rose"); the detector takes them for a
name only in the middle of a sentence, where a capital letter marks a name. Month names ("May",
"June", "April", "August") and "Eve" ("Christmas Eve") are left out.

spaCy also misses towns it knows well when the sentence gives it little to go on ("We moved to
Bristol."). ``UK_PLACES`` are the cities and large towns of the UK (London boroughs included);
``WORD_PLACES`` ("Reading", "Bath") are taken for a place only mid-sentence, and towns that are
everyday words ("March", "Street", "Hope", "Battle") are left out.
"""

from __future__ import annotations

FIRST_NAMES = frozenset("""
Aaliyah Abbie Abby Abigail Ada Adele Agnes Aimee Aisha Alannah Alesha Alexa Alexandra Alexis Alice
Alicia Alisha Alison Allison Alyssa Amanda Amelia Amelie Amina Amy Ana Andrea Angela Angelina Anita
Ann Anna Anne Annette Annie Antonia Aoife Arabella Aria Ariana Ashleigh Ashley Aurora Ava Ayesha
Barbara Beatrice Becky Belinda Bella Bernadette Beth Bethan Bethany Beverley Bianca Bonnie Brenda
Bridget Brittany Bryony Caitlin Callie Cameron Camilla Candice Cara Carla Carly Caroline Carrie
Cassie Catherine Cathy Ceri Chantelle Charlene Charlie Charlotte Chelsea Cheryl Chloe Christina
Christine Claire Clara Clare Claudia Colette Courtney Daniella Danielle Darcey Darcie Darcy Dawn
Debbie Deborah Debra Demi Denise Diana Diane Donna Dorothy Eden Edith Eileen Elaine Eleanor Elena
Eliza Elizabeth Ella Ellen Ellie Elise Eloise Elsie Emilia Emily Emma Erin Esme Esther Eva Evelyn
Evie Fatima Felicity Fiona Florence Frances Freya Gabriella Gemma Georgia Georgina Gillian Gina
Gloria Gracie Hailey Haleema Hannah Harriet Hayley Heidi Helen Helena Hollie Imogen India Isabel
Isabella Isabelle Isla Isobel Jacqueline Jane Janet Janice Jasmine Jayne Jeanette Jemma Jenna
Jennifer Jenny Jessica Jessie Jill Joan Joanna Joanne Jodie Josephine Josie Joyce Julia Julie
Justine Kara Karen Karina Kate Katherine Kathleen Kathryn Katie Katy Kayla Kayleigh Keeley Kelly
Kelsey Kerry Kim Kimberley Kirsty Kylie Lacey Laila Lara Laura Lauren Layla Leah Leanne Leila Lena
Lesley Lexi Libby Lilly Linda Lindsay Lisa Liz Lizzie Lois Lola Lorna Lorraine Louisa Louise Lucia
Lucy Luna Lydia Lynn Lynne Maddison Madeleine Madison Maisie Maisy Mandy Margaret Maria Marie
Marion Martha Mary Matilda Maureen Megan Melanie Melissa Mia Michaela Michelle Mila Millie Miriam
Mollie Molly Monica Nadia Naomi Natalie Natasha Nia Niamh Nicola Nicole Nikki Nina Nora Olivia
Paige Pamela Patricia Paula Pauline Phoebe Pippa Rachael Rachel Rebecca Rebekah Rhian Rhiannon
Rita Roisin Rosa Rosie Ruth Sadie Samantha Sandra Sara Sarah Scarlett Seren Shannon Sharon
Shauna Sheila Shelley Sian Sienna Sinead Siobhan Skye Sofia Sonia Sophia Sophie Stacey Stella
Stephanie Susan Suzanne Sylvia Tamsin Tanya Tara Teresa Tessa Theresa Tia Tina Toni Tracey Tracy
Valerie Vanessa Vicky Victoria Wendy Yasmin Yvonne Zara Zoe Zoey Zainab

Aaron Abdul Adam Adrian Ahmed Aidan Alan Albert Alastair Alex Alexander Alfie Ali Alistair Andrew
Andy Angus Anthony Archie Arlo Arthur Ashton Barry Ben Benjamin Bernard Bradley Brandon Brendan
Brian Callum Calum Carl Charles Chris Christian Christopher Colin Connor Conor Craig Damian Damien
Daniel Danny Darren David Dominic Dylan Eddie Edward Elijah Elliot Elliott Ethan Euan Ewan Ezra
Finlay Finley Finn Francis Freddie Frederick Gareth Gary Gavin Geoffrey George Gerald Gordon
Graham Gregory Harrison Harry Harvey Hassan Hayden Henry Howard Hugh Hugo Ian Isaac Ivan Jacob
Jake James Jamie Jared Jason Jay Jayden Jeffrey Jeremy Jerome Jesse Jim Jimmy Joe Joel Joey John
Johnny Jonah Jonathan Jordan Joseph Josh Joshua Jude Julian Justin Kai Karl Keith Kenneth Kevin
Kian Kieran Kyle Lee Leo Leon Leonard Levi Lewis Liam Logan Louie Louis Luca Lucas Luke Malcolm
Marcus Martin Mathew Matt Matthew Michael Mick Mike Mitchell Mohammad Mohammed Muhammad Nathan
Neil Nicholas Nick Nigel Noah Oliver Ollie Omar Oscar Owen Patrick Paul Peter Philip Phillip
Rhys Richard Ricky Riley Robert Robbie Roger Ronan Ronnie Rory Ross Ryan Samuel Scott Sean Sebastian
Shane Shaun Simon Stanley Stephen Steve Steven Stewart Stuart Teddy Terence Terry Theo Theodore
Thomas Timothy Toby Tom Tommy Tony Trevor Tyler Usman Vincent Wayne William Zach Zachary Zak
""".split())

WORD_NAMES = frozenset("""
Amber Autumn Bill Daisy Dean Faith Frank Grace Hazel Heather Holly Hope Iris Ivy Jack Jade Joy
Lily Mark Max Olive Penny Poppy Robin Rose Ruby Summer Violet Will Willow
""".split())

UK_PLACES = frozenset(line.strip() for line in """
Aberdeen
Aberystwyth
Accrington
Aldershot
Altrincham
Andover
Ashford
Aylesbury
Ayr
Bangor
Barnsley
Barnstaple
Barrow-in-Furness
Basildon
Basingstoke
Bedford
Belfast
Bexley
Birkenhead
Birmingham
Blackburn
Blackpool
Bolton
Bootle
Bournemouth
Bracknell
Bradford
Braintree
Brent
Bridgend
Brighton
Bristol
Bromley
Burnley
Burton upon Trent
Cambridge
Camden
Cannock
Canterbury
Cardiff
Carlisle
Chatham
Chelmsford
Cheltenham
Chester
Chesterfield
Chichester
Colchester
Corby
Coventry
Crawley
Crewe
Croydon
Darlington
Dartford
Derry
Doncaster
Dorchester
Dover
Dudley
Dumfries
Dundee
Dunfermline
Durham
Ealing
Eastbourne
Edinburgh
Enfield
Exeter
Falkirk
Farnborough
Folkestone
Gateshead
Gillingham
Glasgow
Gloucester
Grantham
Gravesend
Grimsby
Guildford
Hackney
Halifax
Hamilton
Haringey
Harlow
Harrogate
Harrow
Hartlepool
Hastings
Hatfield
Havering
Hemel Hempstead
Hereford
High Wycombe
Hillingdon
Hounslow
Huddersfield
Inverness
Ipswich
Islington
Kettering
Kidderminster
Kilmarnock
Kingston upon Hull
Kirkcaldy
Lambeth
Lancaster
Leamington Spa
Leeds
Leicester
Lewisham
Lincoln
Lisburn
Liverpool
Livingston
Llanelli
London
Londonderry
Loughborough
Lowestoft
Luton
Macclesfield
Maidstone
Manchester
Mansfield
Margate
Merthyr Tydfil
Middlesbrough
Milton Keynes
Motherwell
Newcastle
Newcastle upon Tyne
Newham
Newport
Northampton
Norwich
Nottingham
Nuneaton
Oldham
Oxford
Paisley
Perth
Peterborough
Plymouth
Poole
Portsmouth
Preston
Ramsgate
Redbridge
Redditch
Rochdale
Rotherham
Runcorn
Salford
Salisbury
Scarborough
Scunthorpe
Sheffield
Shrewsbury
Solihull
Southampton
Southend
Southend-on-Sea
Southport
Southwark
South Shields
St Albans
St Helens
Stafford
Stevenage
Stirling
Stockport
Stockton-on-Tees
Stoke
Stoke-on-Trent
Sunderland
Sutton Coldfield
Swansea
Swindon
Tamworth
Taunton
Telford
Torquay
Tower Hamlets
Truro
Tunbridge Wells
Wakefield
Walsall
Wandsworth
Warrington
Watford
Wellingborough
West Bromwich
Westminster
Weston-super-Mare
Weymouth
Widnes
Wigan
Winchester
Woking
Wolverhampton
Worcester
Worthing
Wrexham
Yeovil
York
""".strip().splitlines())

WORD_PLACES = frozenset("""
Barking Bath Bury Deal Derby Hull Hyde Reading Rugby Sale Slough Stone Wells
""".split())
