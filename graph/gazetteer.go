package graph

import "strings"

// Built-in word lists. They are small on purpose: enough to type the common
// cases offline, with context cues and relation patterns doing the rest.

func set(words string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Split(words, "|") {
		w = strings.TrimSpace(w)
		if w != "" {
			m[w] = true
		}
	}
	return m
}

// firstNames holds common given names (lower case).
var firstNames = set(`aaron|abby|abigail|adam|adrian|ahmed|aisha|alan|albert|alex|alexa|alexander|alexandra|alexis|alice|alicia|alison|amanda|amber|amelia|amir|amy|ana|andrea|andrew|andy|angela|anika|anita|ann|anna|anne|anthony|antonio|arjun|arthur|ashley|audrey|ava|barbara|ben|benjamin|beth|betty|bill|billy|bob|bobby|brad|brandon|brenda|brian|bruce|caleb|cameron|carl|carla|carlos|carol|caroline|carmen|catherine|charles|charlie|charlotte|chen|chloe|chris|christina|christine|christopher|claire|clara|daniel|danny|david|deborah|dennis|diana|diego|dmitri|donald|donna|dorothy|dylan|ed|eddie|edward|elena|eli|elijah|elizabeth|ella|ellen|emily|emma|eric|erik|ethan|eva|evelyn|fatima|felix|fiona|frank|gabriel|gary|george|grace|greg|gregory|hannah|harold|harry|hassan|heather|helen|henry|hiroshi|ian|isaac|isabel|isabella|ivan|jack|jackson|jacob|james|jamie|jane|janet|jason|jean|jeff|jeffrey|jen|jennifer|jenny|jeremy|jerry|jessica|jim|jimmy|joan|joe|joel|john|johnny|jon|jonathan|jordan|jose|joseph|josh|joshua|joy|juan|judith|julia|julian|julie|justin|karen|kate|katherine|kathy|katie|kelly|ken|kenji|kenneth|kevin|kim|kyle|laura|lauren|leah|lee|leo|liam|lily|linda|lisa|liz|logan|lucas|lucy|luis|luke|maria|marie|mark|martha|martin|mary|matt|matthew|maya|megan|mei|melissa|mia|michael|michelle|miguel|mike|mohammed|molly|nancy|naomi|natalie|nathan|nick|nicholas|nicole|nina|noah|nora|olga|oliver|olivia|omar|oscar|pablo|pam|pamela|patricia|patrick|paul|peggy|peter|philip|pierre|priya|rachel|rahul|raj|ravi|rebecca|richard|rick|rob|robert|robin|ron|ronald|rosa|rose|ruth|ryan|sam|samantha|samuel|sandra|sara|sarah|scott|sean|sebastian|sharon|sofia|sophia|sophie|stephanie|stephen|steve|steven|sue|susan|tanya|taylor|ted|teresa|thomas|tim|timothy|tom|tommy|tony|tyler|valentina|victor|victoria|vikram|vincent|walter|wei|will|william|xavier|yuki|zach|zachary|zoe|mel|melanie|jon|leon|sven|lars|ingrid|astrid|fernando|lucia|marco|giulia|luca|hans|klaus|yusuf|layla|omar|kofi|amara|chidi|ngozi|tariq|sanjay|deepa|ananya|rohan|akira|sakura|jin|min|hana|li|ling|zhang|ming|felipe|mateo|camila|diego|ines|tom|nate|gina|sasha|kai|ryo|dev|neha|pooja|aditi|bilal|zainab|mustafa|leila|reza|nadia|omar`)

// nicknames maps a nickname to its formal given name; the resolver uses it
// in both directions.
var nicknames = map[string]string{
	"bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert", "bert": "robert",
	"bill": "william", "billy": "william", "will": "william", "willy": "william", "liam": "william",
	"jim": "james", "jimmy": "james", "jamie": "james",
	"mike": "michael", "mikey": "michael", "mick": "michael",
	"dave": "david", "davy": "david",
	"dan": "daniel", "danny": "daniel",
	"tom": "thomas", "tommy": "thomas",
	"chris": "christopher", "kit": "christopher",
	"matt": "matthew", "matty": "matthew",
	"nick": "nicholas", "nicky": "nicholas",
	"tony": "anthony", "ant": "anthony",
	"joe": "joseph", "joey": "joseph",
	"steve": "steven", "stevie": "steven",
	"ed": "edward", "eddie": "edward", "ted": "edward", "teddy": "edward", "ned": "edward",
	"rick": "richard", "ricky": "richard", "dick": "richard", "rich": "richard",
	"andy": "andrew", "drew": "andrew",
	"ben": "benjamin", "benny": "benjamin",
	"sam": "samuel", "sammy": "samuel",
	"alex": "alexander", "sandy": "alexandra", "lexi": "alexandra",
	"greg": "gregory", "jeff": "jeffrey", "jerry": "gerald", "gerry": "gerald",
	"larry": "lawrence", "harry": "harold", "hank": "henry",
	"charlie": "charles", "chuck": "charles",
	"frank": "francis", "fran": "frances",
	"pete": "peter", "phil": "philip", "ron": "ronald", "ronnie": "ronald",
	"don": "donald", "donnie": "donald", "ken": "kenneth", "kenny": "kenneth",
	"tim": "timothy", "timmy": "timothy", "josh": "joshua", "zach": "zachary",
	"nate": "nathan", "nathan": "nathaniel", "jon": "jonathan", "johnny": "john", "jack": "john",
	"ray": "raymond", "walt": "walter", "vince": "vincent", "vic": "victor",
	"liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "lizzie": "elizabeth", "eliza": "elizabeth",
	"kate": "katherine", "katie": "katherine", "kathy": "katherine", "kat": "katherine", "cathy": "catherine",
	"jen": "jennifer", "jenny": "jennifer", "jenn": "jennifer",
	"sue": "susan", "susie": "susan", "suzy": "susan",
	"meg": "margaret", "maggie": "margaret", "peggy": "margaret", "marge": "margaret",
	"pat": "patricia", "patty": "patricia", "trish": "patricia",
	"becky": "rebecca", "becca": "rebecca", "abby": "abigail",
	"debbie": "deborah", "deb": "deborah", "vicky": "victoria", "tori": "victoria",
	"mandy": "amanda", "manda": "amanda", "steph": "stephanie", "sam ": "samantha",
	"pam": "pamela", "cindy": "cynthia", "barb": "barbara", "nancy": "ann",
	"annie": "anne", "ally": "allison", "allie": "alison", "jess": "jessica", "jessie": "jessica",
	"mel": "melanie", "nat": "natalie", "nikki": "nicole", "tina": "christina", "chrissy": "christine",
	"val": "valerie", "em": "emily", "emmy": "emma", "ellie": "eleanor", "nell": "eleanor",
	"dot": "dorothy", "dottie": "dorothy", "judy": "judith", "terry": "teresa", "tess": "teresa",
	"gabe": "gabriel", "gabby": "gabriella", "izzy": "isabel", "bella": "isabella",
	"sasha": "alexander", "misha": "mikhail", "dima": "dmitri", "pepe": "jose", "paco": "francisco",
}

// honorifics are dropped by Normalize and mark a person.
var honorifics = set(`mr|mrs|ms|miss|mx|dr|prof|professor|sir|madam|mme|mlle|herr|frau|sr|sra|capt|captain|col|gen|lt|sgt|rev|fr|sen|senator|rep|gov|president|judge|coach|aunt|uncle|grandma|grandpa`)

// orgSuffixes end an organization name.
var orgSuffixes = set(`inc|corp|corporation|co|company|llc|ltd|limited|plc|gmbh|ag|sa|bv|group|holdings|university|college|institute|school|academy|bank|labs|lab|laboratories|technologies|technology|tech|systems|solutions|software|partners|capital|ventures|foundation|association|society|agency|department|ministry|council|committee|commission|bureau|airlines|airways|motors|industries|enterprises|studios|studio|records|press|publishing|media|news|times|post|journal|club|fc|team|hospital|clinic|church|museum|library|league|union|federation|network|networks|consulting|services|pharmaceuticals|pharma|energy|insurance|brewery|bakery|cafe|restaurant|hotel|store|shop|market|supermarket|magazine|orchestra|band|choir|party|army|navy|police|court|gallery|center|centre|cooperative|trust|fund|firm|agency|elementary|afc|kindergarten|daycare|nursery|gym|fitness`)

// orgPrefixes start an organization name ("University of X", "Bank of X").
var orgPrefixes = set(`university|bank|college|institute|ministry|department|museum|school|academy|church|house|bureau`)

// knownOrgs are single-token or common organization names.
var knownOrgs = set(`google|alphabet|microsoft|apple|amazon|meta|facebook|netflix|openai|anthropic|ibm|intel|nvidia|amd|oracle|salesforce|adobe|tesla|spacex|twitter|x corp|linkedin|spotify|uber|lyft|airbnb|stripe|shopify|paypal|ebay|samsung|sony|toyota|honda|ford|bmw|volkswagen|nasa|fbi|cia|nsa|un|unesco|unicef|who|nato|eu|fifa|nba|nfl|mlb|bbc|cnn|nbc|hbo|disney|pixar|marvel|nike|adidas|starbucks|mcdonald's|mcdonalds|walmart|target|costco|ikea|zara|deloitte|accenture|mckinsey|kpmg|pwc|goldman sachs|jpmorgan|jp morgan|morgan stanley|citibank|hsbc|barclays|visa|mastercard|harvard|stanford|mit|yale|princeton|oxford|cambridge|berkeley|ucla|caltech|columbia|cornell|nyu|acme|initech|globex|umbrella|hooli|pied piper|dropbox|slack technologies|atlassian|github|gitlab|mozilla|wikipedia|reddit|pinterest|snapchat|tiktok|bytedance|alibaba|tencent|baidu|huawei|xiaomi|siemens|philips|nokia|ericsson|boeing|airbus|lufthansa|delta|united|emirates|pfizer|moderna|unilever|nestle|coca-cola|pepsi|red cross|greenpeace|peace corps|doctors without borders|deepmind|hugging face|databricks|snowflake|cloudflare|vercel|netlify|figma|notion labs|canva|duolingo|zoom|whole foods|trader joe's|safeway|kroger|aldi|lidl|tesco|nintendo|ubisoft|valve|epic games|blizzard|riot games|mozilla foundation|cern|nhs|irs|ups|fedex|dhl|usps|wework|peloton|etsy|yelp|doordash|instacart|coinbase|robinhood|revolut|monzo|n26|klarna|wise|kaggle`)

// locations holds countries, US states, continents and a few hundred cities.
var locations = set(`afghanistan|albania|algeria|argentina|armenia|australia|austria|azerbaijan|bangladesh|belarus|belgium|bolivia|bosnia|brazil|bulgaria|cambodia|cameroon|canada|chile|china|colombia|costa rica|croatia|cuba|cyprus|czechia|czech republic|denmark|ecuador|egypt|el salvador|england|estonia|ethiopia|fiji|finland|france|georgia|germany|ghana|greece|guatemala|haiti|honduras|hungary|iceland|india|indonesia|iran|iraq|ireland|israel|italy|jamaica|japan|jordan|kazakhstan|kenya|korea|south korea|north korea|kosovo|kuwait|laos|latvia|lebanon|libya|lithuania|luxembourg|madagascar|malaysia|mali|malta|mexico|moldova|monaco|mongolia|montenegro|morocco|mozambique|myanmar|nepal|netherlands|holland|new zealand|nicaragua|niger|nigeria|norway|oman|pakistan|panama|paraguay|peru|philippines|poland|portugal|qatar|romania|russia|rwanda|saudi arabia|scotland|senegal|serbia|singapore|slovakia|slovenia|somalia|south africa|spain|sri lanka|sudan|sweden|switzerland|syria|taiwan|tanzania|thailand|tunisia|turkey|uganda|ukraine|uae|united arab emirates|uk|united kingdom|great britain|britain|us|usa|united states|america|uruguay|uzbekistan|venezuela|vietnam|wales|yemen|zambia|zimbabwe|africa|asia|europe|north america|south america|antarctica|oceania|australasia|middle east|scandinavia|latin america|caribbean|siberia|patagonia|alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|new hampshire|new jersey|new mexico|new york|north carolina|north dakota|ohio|oklahoma|oregon|pennsylvania|rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|washington|west virginia|wisconsin|wyoming|ontario|quebec|british columbia|alberta|bavaria|catalonia|tuscany|provence|normandy|brittany|andalusia|new york city|nyc|los angeles|la|chicago|houston|phoenix|philadelphia|san antonio|san diego|dallas|san jose|austin|jacksonville|san francisco|sf|columbus|fort worth|indianapolis|charlotte|seattle|denver|washington dc|dc|boston|el paso|nashville|detroit|portland|las vegas|memphis|louisville|baltimore|milwaukee|albuquerque|tucson|fresno|sacramento|kansas city|atlanta|miami|raleigh|omaha|oakland|minneapolis|tulsa|cleveland|new orleans|tampa|honolulu|pittsburgh|cincinnati|st louis|salt lake city|anchorage|buffalo|orlando|boise|brooklyn|manhattan|queens|bronx|berkeley|palo alto|mountain view|cupertino|menlo park|redmond|cambridge|toronto|montreal|vancouver|calgary|ottawa|edmonton|winnipeg|halifax|mexico city|guadalajara|monterrey|cancun|havana|bogota|medellin|lima|quito|caracas|santiago|buenos aires|montevideo|sao paulo|rio de janeiro|rio|brasilia|london|manchester|liverpool|birmingham|leeds|glasgow|edinburgh|bristol|oxford|dublin|belfast|cork|paris|marseille|lyon|nice|toulouse|bordeaux|lille|berlin|hamburg|munich|cologne|frankfurt|stuttgart|dusseldorf|leipzig|dresden|vienna|salzburg|zurich|geneva|basel|bern|lausanne|amsterdam|rotterdam|the hague|utrecht|brussels|antwerp|luxembourg city|madrid|barcelona|valencia|seville|bilbao|malaga|lisbon|porto|rome|milan|naples|turin|florence|venice|bologna|palermo|athens|thessaloniki|istanbul|ankara|izmir|copenhagen|stockholm|gothenburg|oslo|bergen|helsinki|reykjavik|warsaw|krakow|gdansk|prague|brno|budapest|bratislava|bucharest|sofia|belgrade|zagreb|ljubljana|sarajevo|tirana|kyiv|kiev|lviv|odesa|minsk|moscow|saint petersburg|st petersburg|riga|tallinn|vilnius|tbilisi|yerevan|baku|tel aviv|jerusalem|beirut|amman|damascus|baghdad|tehran|riyadh|jeddah|dubai|abu dhabi|doha|muscat|cairo|alexandria|casablanca|marrakech|tunis|algiers|lagos|abuja|accra|dakar|nairobi|mombasa|addis ababa|kampala|kigali|dar es salaam|johannesburg|cape town|durban|pretoria|harare|lusaka|luanda|kinshasa|karachi|lahore|islamabad|delhi|new delhi|mumbai|bangalore|bengaluru|chennai|kolkata|hyderabad|pune|ahmedabad|jaipur|goa|kathmandu|dhaka|colombo|beijing|shanghai|shenzhen|guangzhou|hong kong|chengdu|wuhan|hangzhou|xian|nanjing|taipei|tokyo|osaka|kyoto|yokohama|nagoya|sapporo|fukuoka|hiroshima|seoul|busan|pyongyang|bangkok|chiang mai|phuket|hanoi|ho chi minh city|saigon|phnom penh|vientiane|yangon|kuala lumpur|jakarta|bali|manila|cebu|sydney|melbourne|brisbane|perth|adelaide|canberra|auckland|wellington|christchurch|silicon valley|bay area|hollywood|long island|yosemite|everest|alps|himalayas|andes|rockies|sahara|amazon rainforest|mississippi river|nile|thames|seine|danube|rhine|pacific|atlantic|mediterranean|lake tahoe|grand canyon|central park|times square|lake como|napa|napa valley|sonoma|malibu|aspen|vail|maui|kauai|ibiza|mallorca|santorini|crete|sicily|sardinia|corsica|tasmania|iceland`)

// locationSuffixes end a location name.
var locationSuffixes = set(`city|town|village|county|state|province|street|st|avenue|ave|road|rd|boulevard|blvd|lane|square|park|river|lake|mountain|mountains|mount|mt|island|islands|beach|valley|bay|coast|hills|heights|falls|canyon|desert|forest|peninsula|harbor|harbour|district|quarter|station|airport|bridge|region|tower|stadium|arena|cathedral|palace|castle|temple|plaza|mall|zoo|gardens|pier|monument|memorial|abbey|basilica|mosque|fortress|wall|gate|dam`)

// eventWords end (or are) an event name.
var eventWords = set(`event|finals|playoffs|grand prix|open|series|olympiad|premiere|launch|keynote|conference|summit|festival|fest|olympics|expo|marathon|cup|championship|championships|world cup|tournament|games|fair|gala|hackathon|concert|parade|carnival|con|awards|ceremony|meetup|retreat|workshop|symposium|convention|week|wedding|party|christmas|thanksgiving|halloween|easter|hanukkah|diwali|ramadan|eid|passover|new year|new year's|new years|super bowl|oktoberfest|coachella|burning man|comic-con|wwdc|ces|pycon|gophercon|kubecon|re:invent|black friday|independence day|valentine's day|mother's day|father's day|memorial day|labor day|pride|world series|grammys|oscars|wimbledon|tour de france`)

// products are product, software and brand names (lower case).
var products = set(`iphone|ipad|macbook|macbook pro|macbook air|imac|apple watch|airpods|android|pixel|galaxy|kindle|echo|alexa|siri|windows|macos|ios|linux|ubuntu|debian|fedora|chrome|firefox|safari|edge|excel|word|powerpoint|outlook|teams|office|photoshop|illustrator|figma|sketch|slack|discord|zoom|notion|trello|jira|confluence|asana|github|gitlab|vscode|vs code|vim|emacs|intellij|xcode|docker|kubernetes|terraform|ansible|postgres|postgresql|mysql|sqlite|mongodb|redis|kafka|elasticsearch|spark|hadoop|react|vue|angular|svelte|django|flask|rails|node|nodejs|node.js|python|go|golang|rust|java|javascript|typescript|kotlin|swift|ruby|php|haskell|scala|elixir|c++|chatgpt|gpt-4|gpt-4o|claude|gemini|llama|copilot|playstation|ps5|xbox|switch|nintendo switch|prius|model 3|model y|model s|civic|corolla|mustang|jeep|vespa|peloton|fitbit|garmin|gopro|roomba|thinkpad|surface|spotify premium|netflix|youtube|instagram|whatsapp|telegram|signal|tiktok|uber eats|google maps|gmail|google docs|google sheets|google drive|dropbox|onedrive|icloud|aws|azure|gcp|lambda|s3|ec2|bigquery|tableau|salesforce|sap|shopify|wordpress|minecraft|fortnite|zelda|mario|tetris|pokemon|lego|tesla|leica|canon|nikon|sony a7|kubectl|bash|zsh|git|npm|yarn|webpack|vite|nginx|apache|grafana|prometheus|datadog|sentry|stripe|twilio|openai api|llama 3|mistral|whisper|stable diffusion|midjourney|dall-e|obsidian|evernote|todoist|duolingo|strava|airtable|zapier|matlab|r|stata|spss|tensorflow|pytorch|keras|pandas|numpy|jupyter|colab|hugo|jekyll|nextjs|next.js|bleve|badger|raspberry pi|arduino|oculus|quest|vision pro|playstation 5|ps4|steam deck|kindle paperwhite|instant pot|thermomix|dyson|nespresso|vitamix|kitchenaid`)

// stopWords are capitalized at the start of a sentence without naming
// anything; a candidate span never starts with one of them there.
var stopWords = set(`a|about|above|after|again|against|all|also|although|always|am|an|and|another|any|anyway|are|around|as|ask|asked|at|actually|almost|already|anyone|anything|be|because|been|before|being|below|besides|best|better|between|both|but|by|call|called|can|cannot|can't|could|couldn't|dear|did|didn't|do|does|doesn't|doing|done|don't|down|during|each|either|else|even|ever|every|everyone|everything|finally|first|for|from|further|get|gets|getting|give|go|goes|going|gone|good|got|great|had|hadn't|has|hasn't|have|haven't|having|he|he's|hello|her|here|here's|hers|herself|hey|hi|him|himself|his|how|however|i|i'd|i'll|i'm|i've|if|in|into|is|isn't|it|it's|its|itself|just|last|later|let|let's|like|look|lots|made|make|many|maybe|me|meanwhile|might|more|most|much|must|my|myself|need|never|new|next|no|nobody|none|nor|not|nothing|now|of|off|often|oh|ok|okay|old|on|once|one|only|or|other|others|otherwise|our|ours|out|over|own|perhaps|please|plus|quite|rather|really|recently|same|see|seems|several|shall|she|she's|should|shouldn't|since|so|some|someone|something|sometimes|soon|sorry|still|such|sure|take|tell|thank|thanks|than|that|that's|the|their|theirs|them|then|there|there's|these|they|they're|this|those|though|through|thus|to|today|tomorrow|tonight|too|under|until|up|upon|us|very|was|wasn't|we|we'd|we'll|we're|we've|well|went|were|weren't|what|what's|whatever|when|where|whether|which|while|who|whoever|whom|whose|why|will|with|within|without|won't|would|wouldn't|yeah|yes|yesterday|yet|you|you'd|you'll|you're|you've|your|yours|yourself|wow|great|nice|cool|awesome|congrats|congratulations|happy|glad|remember|note|reminder|meeting|met|visited|moved|started|bought|went|saw|had|spent|called|sent|met|booked|finished|tried|planning|working|looking|having|thinking|feeling|hoping|today's|tonight's|our|his|her|their|its|my|your|both|neither|once|every|each|however|also|anyway|besides|instead|indeed|unfortunately|fortunately|apparently|honestly|basically|personally|luckily|sadly|hopefully|afterwards|later|earlier|currently|originally|lately|overall|anyway|welcome|goodbye|bye|dinner|lunch|breakfast|morning|evening|afternoon|night|weekend|update|todo|fyi|btw|ps|re|fwd|mom|dad|sister|brother|wife|husband|friend|boss|uncle|aunt|grandma|grandpa|daughter|son`)

// connectors may join capitalized words inside one name.
var connectors = set(`of|de|da|di|del|della|van|von|der|den|la|le|du|des|bin|al|y|the|and|&`)

// kinWords maps a kinship or social word to its relation.
var kinWords = map[string]string{
	"sister": RelSisterOf, "sis": RelSisterOf, "brother": RelBrotherOf, "bro": RelBrotherOf,
	"mother": RelParentOf, "mom": RelParentOf, "mum": RelParentOf, "father": RelParentOf,
	"dad": RelParentOf, "parent": RelParentOf, "mommy": RelParentOf, "daddy": RelParentOf,
	"son": RelChildOf, "daughter": RelChildOf, "child": RelChildOf, "kid": RelChildOf,
	"friend": RelFriendOf, "buddy": RelFriendOf, "pal": RelFriendOf, "bestie": RelFriendOf,
	"husband": RelMarriedTo, "wife": RelMarriedTo, "spouse": RelMarriedTo,
}
