package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// synth generates varied, realistic agent-memory sentences and questions
// about them from templates and word lists, deterministically from a seed.
type synth struct {
	r *rand.Rand
}

func newSynth(seed uint64) *synth {
	return &synth{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
}

var (
	synPeople = strings.Fields(`Alice Bob Carol David Emma Farid Grace Hiro Isabel Jamal Kenji Laura Mateo Nadia Omar
		Priya Quentin Rosa Samir Tara Umar Valentina Wei Xavier Yara Zoe Aarav Beatriz Chen Dmitri Elif Fatima Gustavo
		Hannah Ivan Julia Kwame Leila Marco Noor Olivia Pedro Rania Sofia Tomas Uma Victor Wanda Yusuf Zainab`)
	synCities = strings.Fields(`Lisbon Berlin Tokyo Nairobi Austin Toronto Madrid Seoul Oslo Lagos Denver Dublin Porto
		Kyoto Boston Vienna Prague Lima Cairo Sydney Munich Chicago Seattle Milan Bogota Mumbai Istanbul Helsinki
		Warsaw Athens Montreal Zurich Accra Hanoi Santiago Portland Edinburgh Valencia Krakow Manila`)
	synDrinks = []string{"black coffee", "green tea", "oat milk latte", "sparkling water", "chai", "espresso",
		"hot chocolate", "orange juice", "matcha", "herbal tea", "cold brew", "kombucha"}
	synFoods = []string{"sushi", "ramen", "tacos", "falafel", "lasagna", "pho", "curry", "dumplings", "paella",
		"burritos", "pad thai", "risotto", "shakshuka", "pierogi", "jollof rice", "ceviche", "bibimbap", "pizza"}
	synAllergens = []string{"peanuts", "shellfish", "gluten", "lactose", "penicillin", "cats", "pollen", "soy", "eggs", "sesame"}
	synHobbies   = []string{"rock climbing", "painting", "chess", "running", "photography", "pottery", "cycling",
		"gardening", "surfing", "knitting", "yoga", "baking", "birdwatching", "guitar", "swimming", "hiking"}
	synLanguages = []string{"Spanish", "Japanese", "German", "Portuguese", "Korean", "French", "Arabic", "Italian", "Mandarin", "Swahili"}
	synProjects  = []string{"billing service", "mobile app", "search index", "data pipeline", "onboarding flow",
		"analytics dashboard", "payment gateway", "recommendation engine", "auth service", "marketing site",
		"inventory system", "chat widget", "reporting tool", "API gateway", "notification service"}
	synIssues = []string{"an expired TLS certificate", "a missing database index", "a memory leak", "a race condition",
		"a misconfigured load balancer", "a full disk", "a bad migration", "a timeout in the cache layer",
		"a wrong environment variable", "a dependency upgrade"}
	synCompanies = []string{"Acme Corp", "Globex", "Initech", "Umbrella Labs", "Stark Industries", "Wayne Enterprises",
		"Hooli", "Pied Piper", "Vandelay Imports", "Soylent", "Cyberdyne", "Tyrell", "Wonka Foods", "Oscorp"}
	synJobs = []string{"data scientist", "nurse", "product manager", "teacher", "architect", "backend engineer",
		"designer", "accountant", "pharmacist", "chef", "lawyer", "journalist", "electrician", "researcher"}
	synPets     = []string{"dog", "cat", "parrot", "rabbit", "hamster", "tortoise", "goldfish", "ferret"}
	synPetNames = strings.Fields(`Biscuit Luna Max Pepper Mochi Simba Nala Oreo Ziggy Coco Bruno Hazel Pixel Waffles Maple`)
	synWeekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	synMonths   = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	synTasks    = []string{"renew the passport", "file the expense report", "call the dentist", "pay the electricity bill",
		"send the quarterly report", "book the car service", "update the resume", "water the plants",
		"review the pull request", "order a birthday gift", "cancel the gym membership", "back up the laptop",
		"schedule the team offsite", "submit the tax return", "pick up the dry cleaning"}
	synColors   = []string{"blue", "green", "red", "yellow", "purple", "orange", "black", "white", "teal", "maroon"}
	synGenres   = []string{"jazz", "hip hop", "classical", "indie rock", "techno", "country", "reggae", "k-pop", "blues", "metal"}
	synBooks    = []string{"science fiction", "mystery novels", "biographies", "poetry", "fantasy", "history books", "graphic novels", "thrillers"}
	synAirlines = []string{"TAP", "Lufthansa", "ANA", "Kenya Airways", "Delta", "Air Canada", "Iberia", "KLM", "Qantas", "Emirates"}
	synTools    = []string{"Kubernetes", "Terraform", "Postgres", "Redis", "Grafana", "Kafka", "Docker", "nginx", "Jenkins", "Elasticsearch"}
	synRestos   = []string{"Casa Nova", "The Green Fork", "Blue Lotus", "Trattoria Roma", "Sakura House", "El Toro", "Spice Route", "Le Petit Bistro"}
)

func (s *synth) pick(xs []string) string { return xs[s.r.IntN(len(xs))] }

// memory returns one memory sentence.
func (s *synth) memory() string {
	p, q := s.pick(synPeople), s.pick(synPeople)
	switch s.r.IntN(24) {
	case 0:
		return fmt.Sprintf("%s prefers %s in the morning and avoids %s after noon.", p, s.pick(synDrinks), s.pick(synDrinks))
	case 1:
		return fmt.Sprintf("Meeting with %s about the %s moved to %s at %d:%02d.", p, s.pick(synProjects), s.pick(synWeekdays), 8+s.r.IntN(10), 15*s.r.IntN(4))
	case 2:
		return fmt.Sprintf("%s lives in %s and works at %s as a %s.", p, s.pick(synCities), s.pick(synCompanies), s.pick(synJobs))
	case 3:
		return fmt.Sprintf("Remind %s to %s before %s %d.", p, s.pick(synTasks), s.pick(synMonths), 1+s.r.IntN(28))
	case 4:
		return fmt.Sprintf("%s's favorite food is %s, especially from %s in %s.", p, s.pick(synFoods), s.pick(synRestos), s.pick(synCities))
	case 5:
		return fmt.Sprintf("User asked to book a table at %s in %s for %d people on %s.", s.pick(synRestos), s.pick(synCities), 2+s.r.IntN(7), s.pick(synWeekdays))
	case 6:
		return fmt.Sprintf("%s is allergic to %s and carries medication when traveling.", p, s.pick(synAllergens))
	case 7:
		return fmt.Sprintf("%s adopted a %s named %s in %s %d.", p, s.pick(synPets), s.pick(synPetNames), s.pick(synMonths), 2015+s.r.IntN(10))
	case 8:
		return fmt.Sprintf("The %s deployment failed on %s because of %s; %s fixed it.", s.pick(synProjects), s.pick(synWeekdays), s.pick(synIssues), p)
	case 9:
		return fmt.Sprintf("%s is learning %s and practices %s on weekends.", p, s.pick(synLanguages), s.pick(synHobbies))
	case 10:
		return fmt.Sprintf("Flight to %s on %s %d with %s, seat %d%c, booked for %s.", s.pick(synCities), s.pick(synMonths), 1+s.r.IntN(28), s.pick(synAirlines), 1+s.r.IntN(40), 'A'+rune(s.r.IntN(6)), p)
	case 11:
		return fmt.Sprintf("%s said the %s config for the %s should be reviewed by %s.", p, s.pick(synTools), s.pick(synProjects), q)
	case 12:
		return fmt.Sprintf("%s and %s met at a %s workshop in %s and became friends.", p, q, s.pick(synHobbies), s.pick(synCities))
	case 13:
		return fmt.Sprintf("%s's birthday is on %s %d; they like %s and the color %s.", p, s.pick(synMonths), 1+s.r.IntN(28), s.pick(synGenres), s.pick(synColors))
	case 14:
		return fmt.Sprintf("%s reads mostly %s and is currently halfway through a book about %s.", p, s.pick(synBooks), s.pick(synCities))
	case 15:
		return fmt.Sprintf("Budget for the %s is %d thousand dollars, approved by %s on %s.", s.pick(synProjects), 10+s.r.IntN(490), p, s.pick(synWeekdays))
	case 16:
		return fmt.Sprintf("%s moved from %s to %s in %d for a job at %s.", p, s.pick(synCities), s.pick(synCities), 2010+s.r.IntN(15), s.pick(synCompanies))
	case 17:
		return fmt.Sprintf("%s wants weekly status updates on the %s every %s morning.", p, s.pick(synProjects), s.pick(synWeekdays))
	case 18:
		return fmt.Sprintf("%s ran a half marathon in %s in %s and plans to run a full one next year.", p, s.pick(synCities), s.pick(synMonths))
	case 19:
		return fmt.Sprintf("The user's %s %s needs a vet appointment on %s.", s.pick(synPets), s.pick(synPetNames), s.pick(synWeekdays))
	case 20:
		return fmt.Sprintf("%s recommended %s for dinner and %s for dessert.", p, s.pick(synFoods), s.pick(synFoods))
	case 21:
		return fmt.Sprintf("%s is on vacation in %s until %s %d; %s covers the %s.", p, s.pick(synCities), s.pick(synMonths), 1+s.r.IntN(28), q, s.pick(synProjects))
	case 22:
		return fmt.Sprintf("%s prefers %s over %s for the %s.", p, s.pick(synTools), s.pick(synTools), s.pick(synProjects))
	default:
		return fmt.Sprintf("%s listens to %s while %s and drinks %s.", p, s.pick(synGenres), s.pick(synHobbies), s.pick(synDrinks))
	}
}

// query returns one question an agent might ask of such memories.
func (s *synth) query() string {
	p := s.pick(synPeople)
	switch s.r.IntN(16) {
	case 0:
		return fmt.Sprintf("What does %s like to drink?", p)
	case 1:
		return fmt.Sprintf("Where does %s live and work?", p)
	case 2:
		return fmt.Sprintf("When is the meeting about the %s?", s.pick(synProjects))
	case 3:
		return fmt.Sprintf("Who is allergic to %s?", s.pick(synAllergens))
	case 4:
		return fmt.Sprintf("What is the name of %s's pet?", p)
	case 5:
		return fmt.Sprintf("Why did the %s deployment fail?", s.pick(synProjects))
	case 6:
		return fmt.Sprintf("Which language is %s learning?", p)
	case 7:
		return fmt.Sprintf("flight to %s", s.pick(synCities))
	case 8:
		return fmt.Sprintf("What should I remind %s to do?", p)
	case 9:
		return fmt.Sprintf("restaurant reservation in %s", s.pick(synCities))
	case 10:
		return fmt.Sprintf("When is %s's birthday?", p)
	case 11:
		return fmt.Sprintf("What is the budget for the %s?", s.pick(synProjects))
	case 12:
		return fmt.Sprintf("Who likes %s?", s.pick(synFoods))
	case 13:
		return "Who is on vacation and who covers for them?"
	case 14:
		return fmt.Sprintf("%s hobbies", p)
	default:
		return fmt.Sprintf("Which tool does %s prefer?", p)
	}
}
