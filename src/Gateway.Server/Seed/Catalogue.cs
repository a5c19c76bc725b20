namespace Gateway.Server.Seed;

/// <summary>A product category: its customs codes, typical mass and the price of ordinary unbranded goods.</summary>
internal sealed record CategorySpec(string Name, string[] HsCodes, int MinGrams, int MaxGrams, long MinPriceMinor, long MaxPriceMinor, string[] Nouns, string CustomsWord);

/// <summary>A protected brand: aliases (misspellings, abbreviations) and genuine price ranges (EUR minor units) by category.</summary>
internal sealed record BrandSpec(string Id, string Name, string[] Aliases, (string Category, long Min, long Max)[] Prices);

/// <summary>The fixed vocabulary of the synthetic marketplace.</summary>
internal static class Catalogue
{
    public static readonly CategorySpec[] Categories =
    [
        new("footwear", ["640411", "640399", "6404190000", "6403999300"], 500, 1400, 1500, 6000, ["running shoes", "sneakers", "leather boots", "canvas trainers", "basketball shoes"], "shoes"),
        new("handbags", ["420221", "420222", "4202219000", "4202229000"], 350, 1500, 1200, 8000, ["leather handbag", "tote bag", "crossbody bag", "shoulder bag", "wallet"], "bag"),
        new("watches", ["910211", "910219", "9102110000", "910121"], 60, 250, 1000, 9000, ["quartz watch", "automatic watch", "chronograph watch", "steel wristwatch"], "watch"),
        new("apparel", ["610910", "611020", "620193", "6109100010", "6201930000"], 150, 1400, 800, 6000, ["cotton t-shirt", "hoodie", "down jacket", "polo shirt", "track suit"], "clothes"),
        new("sunglasses", ["900410", "9004109100"], 30, 150, 800, 4000, ["sunglasses", "polarised sunglasses", "aviator sunglasses"], "glasses"),
        new("perfume", ["330300", "3303001000"], 150, 550, 1500, 6000, ["eau de parfum 100 ml", "perfume 50 ml", "eau de toilette 75 ml"], "perfume"),
        new("electronics", ["851830", "851762", "8518300095", "8517620000"], 60, 600, 1500, 9000, ["wireless earbuds", "over-ear headphones", "smartwatch", "bluetooth speaker"], "headphones"),
        new("accessories", ["392690", "420232", "3926909790"], 25, 150, 300, 1500, ["phone case", "silicone case", "wallet case", "charging cable", "watch strap"], "accessories"),
        new("jewellery", ["711719", "711311", "7117190000"], 10, 120, 500, 5000, ["bracelet", "necklace", "ring", "earrings", "charm"], "jewellery"),
        new("toys", ["950300", "9503007000"], 200, 1800, 800, 5000, ["building bricks set", "plush toy", "model car", "puzzle"], "toy"),
        new("cosmetics", ["330499", "330420", "3304990000"], 50, 350, 500, 3000, ["lipstick", "face cream", "eyeshadow palette", "foundation"], "cosmetics"),
    ];

    public static CategorySpec Category(string name) => Categories.First(c => c.Name == name);

    public static readonly BrandSpec[] Brands =
    [
        new("BR-NIKE", "Nike", ["Nikee", "Nlke", "N1ke"], [("footwear", 8000, 25000), ("apparel", 2500, 15000)]),
        new("BR-ADIDAS", "Adidas", ["Addidas", "Adiddas", "Adidass"], [("footwear", 7000, 22000), ("apparel", 2500, 12000)]),
        new("BR-PUMA", "Puma", ["Pumma", "Puma Sport"], [("footwear", 6000, 15000), ("apparel", 2000, 8000)]),
        new("BR-NEWBALANCE", "New Balance", ["NB", "New Balanse"], [("footwear", 8000, 20000)]),
        new("BR-CONVERSE", "Converse", ["Convers", "Chuck Taylor"], [("footwear", 6000, 12000)]),
        new("BR-VANS", "Vans", ["Vanz"], [("footwear", 6000, 11000)]),
        new("BR-GUCCI", "Gucci", ["Guci", "Gucchi", "GG"], [("handbags", 90000, 450000), ("footwear", 45000, 120000), ("sunglasses", 30000, 60000)]),
        new("BR-LV", "Louis Vuitton", ["LV", "Louis Vuiton", "Luis Vuitton", "Louis Vitton"], [("handbags", 120000, 600000), ("accessories", 30000, 90000)]),
        new("BR-CHANEL", "Chanel", ["Channel", "Chanell", "CC"], [("handbags", 400000, 1100000), ("perfume", 9000, 25000), ("cosmetics", 3500, 8000)]),
        new("BR-HERMES", "Hermès", ["Hermes", "Hermess", "Hermés"], [("handbags", 700000, 3000000), ("accessories", 20000, 80000)]),
        new("BR-PRADA", "Prada", ["Prado", "Pradda"], [("handbags", 100000, 400000), ("sunglasses", 25000, 50000)]),
        new("BR-DIOR", "Dior", ["Christian Dior", "Diorr", "CD"], [("handbags", 200000, 600000), ("perfume", 8000, 20000), ("cosmetics", 3500, 7000)]),
        new("BR-BALENCIAGA", "Balenciaga", ["Balenciaca", "Balenciagga", "Balenci"], [("footwear", 50000, 120000), ("handbags", 120000, 300000)]),
        new("BR-VERSACE", "Versace", ["Versage", "Versache"], [("apparel", 20000, 150000), ("sunglasses", 18000, 35000)]),
        new("BR-BURBERRY", "Burberry", ["Burbery", "Burberrry"], [("apparel", 30000, 250000), ("handbags", 80000, 250000)]),
        new("BR-FENDI", "Fendi", ["Fendy", "FF"], [("handbags", 150000, 450000)]),
        new("BR-YSL", "Yves Saint Laurent", ["YSL", "Saint Laurent", "Yves St Laurent"], [("handbags", 150000, 400000), ("cosmetics", 3500, 6000), ("perfume", 8000, 16000)]),
        new("BR-MK", "Michael Kors", ["MK", "Micheal Kors", "Michael Korss"], [("handbags", 20000, 60000), ("watches", 20000, 45000)]),
        new("BR-LONGCHAMP", "Longchamp", ["Long Champ", "Longchamps"], [("handbags", 10000, 60000)]),
        new("BR-ROLEX", "Rolex", ["Rolx", "Rollex", "Rolexx"], [("watches", 800000, 6000000)]),
        new("BR-OMEGA", "Omega", ["0mega", "Omegga"], [("watches", 450000, 1500000)]),
        new("BR-CARTIER", "Cartier", ["Cartiers", "Cartie"], [("watches", 300000, 3000000), ("jewellery", 80000, 800000)]),
        new("BR-TAGHEUER", "TAG Heuer", ["Tag Hauer", "TagHeuer"], [("watches", 150000, 600000)]),
        new("BR-CASIO", "Casio", ["Cassio", "G-Shock"], [("watches", 3000, 50000)]),
        new("BR-APPLE", "Apple", ["AirPods", "Aple", "iPhone"], [("electronics", 14000, 50000), ("accessories", 3900, 6900)]),
        new("BR-SAMSUNG", "Samsung", ["Samsumg", "Galaxy"], [("electronics", 10000, 40000), ("accessories", 2000, 5000)]),
        new("BR-SONY", "Sony", ["Sonny", "S0ny"], [("electronics", 5000, 45000)]),
        new("BR-BEATS", "Beats", ["Beats by Dre", "Beatz"], [("electronics", 10000, 45000)]),
        new("BR-BOSE", "Bose", ["Bosse", "B0se"], [("electronics", 15000, 45000)]),
        new("BR-RAYBAN", "Ray-Ban", ["Rayban", "Ray Ban", "Rayben"], [("sunglasses", 12000, 25000)]),
        new("BR-OAKLEY", "Oakley", ["Okley", "Oakly"], [("sunglasses", 12000, 28000)]),
        new("BR-TNF", "The North Face", ["TNF", "North Face", "Nort Face"], [("apparel", 6000, 45000)]),
        new("BR-MONCLER", "Moncler", ["Monclear", "Monkler"], [("apparel", 90000, 250000)]),
        new("BR-CANADAGOOSE", "Canada Goose", ["Canada Gose", "Canda Goose"], [("apparel", 80000, 180000)]),
        new("BR-LACOSTE", "Lacoste", ["Lacost", "Lacoste Crocodile"], [("apparel", 6000, 20000), ("footwear", 8000, 15000)]),
        new("BR-RALPHLAUREN", "Ralph Lauren", ["RL", "Polo Ralph Lauren", "Ralf Lauren"], [("apparel", 8000, 40000)]),
        new("BR-TOMMY", "Tommy Hilfiger", ["Tommy", "Tomy Hilfiger"], [("apparel", 4000, 25000)]),
        new("BR-CK", "Calvin Klein", ["CK", "Calvin Klien"], [("apparel", 3000, 20000), ("perfume", 3000, 8000)]),
        new("BR-PANDORA", "Pandora", ["Pandorra", "Pandora Charms"], [("jewellery", 3000, 30000)]),
        new("BR-SWAROVSKI", "Swarovski", ["Swarowski", "Swarovsky"], [("jewellery", 5000, 40000)]),
        new("BR-TIFFANY", "Tiffany & Co.", ["Tiffany", "Tifany"], [("jewellery", 15000, 500000)]),
        new("BR-LEGO", "LEGO", ["Lego", "Legoo"], [("toys", 1000, 80000)]),
        new("BR-LANCOME", "Lancôme", ["Lancome", "Lancóme"], [("cosmetics", 2500, 9000), ("perfume", 6000, 14000)]),
    ];

    /// <summary>What replica sellers write to signal a copy without writing "counterfeit".</summary>
    public static readonly string[] ReplicaMarkers =
    [
        "1:1", "AAA", "AAA+", "mirror quality", "super copy", "top replica", "r3pl1ca", "r.e.p.l.i.c.a", "rep\u200Blica", "R-E-P",
        "UA quality", "same as original", "factory original quality", "réplique", "imitación", "Replik", "高仿", "复刻", "реплика", "çakma",
    ];

    public static readonly string[] Colours = ["black", "white", "navy", "red", "beige", "grey", "brown", "pink", "green", "silver", "gold"];

    public static readonly string[] GenericAdjectives = ["classic", "lightweight", "breathable", "handmade", "vintage", "everyday", "waterproof", "slim", "soft", "durable"];

    public static readonly string[] CompanyWords =
    [
        "Bright", "Star", "Golden", "Ocean", "Dragon", "Lucky", "Union", "Prime", "Nova", "Alpine", "Sun", "River", "Jade", "Silk", "Harbor",
        "Maple", "Crown", "Phoenix", "Lotus", "Summit", "Atlas", "Orchid", "Pearl", "Vista", "Zenith", "Coral", "Falcon", "Emerald", "Comet", "Aurora",
    ];

    /// <summary>Seller countries: establishment country, weight, legal-form pattern ({0} = name), cities, phone prefix.</summary>
    public static readonly (string Country, int Weight, string LegalForm, string[] Cities, string Phone)[] SellerCountries =
    [
        ("CN", 34, "{1} {0} Trading Co., Ltd.", ["Shenzhen", "Guangzhou", "Yiwu", "Dongguan", "Hangzhou", "Putian"], "+86"),
        ("HK", 8, "{0} (HK) Limited", ["Kowloon", "Hong Kong", "Tsuen Wan"], "+852"),
        ("TR", 7, "{0} Tekstil Ltd. Şti.", ["Istanbul", "Izmir", "Bursa"], "+90"),
        ("VN", 5, "{0} Company Limited", ["Ho Chi Minh City", "Hanoi"], "+84"),
        ("IN", 3, "{0} Exports Pvt. Ltd.", ["Mumbai", "Delhi", "Jaipur"], "+91"),
        ("US", 6, "{0} LLC", ["New York", "Los Angeles", "Miami"], "+1"),
        ("GB", 5, "{0} Ltd", ["London", "Manchester", "Leicester"], "+44"),
        ("FR", 7, "{0} SARL", ["Paris", "Lyon", "Marseille", "Lille"], "+33"),
        ("DE", 8, "{0} GmbH", ["Berlin", "Hamburg", "München", "Köln"], "+49"),
        ("IT", 5, "{0} S.r.l.", ["Milano", "Napoli", "Firenze"], "+39"),
        ("ES", 4, "{0} S.L.", ["Madrid", "Barcelona", "Valencia"], "+34"),
        ("PL", 4, "{0} Sp. z o.o.", ["Warszawa", "Kraków", "Łódź"], "+48"),
        ("NL", 4, "{0} B.V.", ["Amsterdam", "Rotterdam", "Eindhoven"], "+31"),
    ];

    /// <summary>Where bad actors are established: mostly outside the EU, a few through EU shell companies.</summary>
    public static readonly (string Country, int Weight)[] BadActorCountries = [("CN", 50), ("HK", 20), ("TR", 14), ("VN", 6), ("GB", 4), ("PL", 3), ("NL", 3)];

    public static readonly string[] EuCountries = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"];

    /// <summary>Destinations: country, weight, cities, postcode digits, streets, first names, last names.</summary>
    public static readonly (string Country, int Weight, string[] Cities, int PostcodeDigits, string[] Streets, string[] First, string[] Last)[] Destinations =
    [
        ("FR", 22, ["Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Bordeaux", "Nantes"], 5, ["rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Voltaire"],
            ["Marie", "Camille", "Léa", "Lucas", "Hugo", "Nathalie", "Thomas", "Julien"], ["Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent"]),
        ("DE", 25, ["Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Leipzig"], 5, ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße"],
            ["Jonas", "Lena", "Lukas", "Anna", "Felix", "Sophie", "Maximilian"], ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker"]),
        ("NL", 8, ["Amsterdam", "Rotterdam", "Utrecht", "Den Haag"], 4, ["Kerkstraat", "Dorpsstraat", "Molenweg"],
            ["Daan", "Emma", "Sem", "Julia", "Lotte"], ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker"]),
        ("BE", 6, ["Bruxelles", "Antwerpen", "Gent", "Liège"], 4, ["Rue Neuve", "Kerkstraat", "Chaussée de Louvain"],
            ["Lotte", "Noah", "Louise", "Arthur", "Elise"], ["Peeters", "Janssens", "Maes", "Dubois", "Lambert"]),
        ("IT", 15, ["Roma", "Milano", "Napoli", "Torino", "Bologna"], 5, ["Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante"],
            ["Giulia", "Alessandro", "Francesca", "Marco", "Chiara", "Luca"], ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"]),
        ("ES", 14, ["Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao"], 5, ["Calle Mayor", "Avenida de la Constitución", "Calle Real"],
            ["Lucía", "Hugo", "Martina", "Pablo", "Carmen", "Javier"], ["García", "Fernández", "González", "Rodríguez", "López", "Martínez"]),
        ("PL", 10, ["Warszawa", "Kraków", "Wrocław", "Gdańsk", "Poznań"], 5, ["ul. Długa", "ul. Mickiewicza", "ul. Kościuszki"],
            ["Zuzanna", "Jakub", "Julia", "Antoni", "Katarzyna"], ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamińska"]),
    ];

    /// <summary>EU air hubs through which parcels from Asia are routed (Liège, Amsterdam, Leipzig, Budapest).</summary>
    public static readonly string[] AirHubs = ["BE", "NL", "DE", "HU"];
}
