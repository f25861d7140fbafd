//! The district level in the browser: a member writes a protocol offline,
//! it syncs, and the district head sees it in the overview and opens the
//! school's records read-only; a member of another school cannot get it.

#![allow(clippy::unwrap_used)]

use e2e::peer::Peer;
use e2e::{Browser, Server, eventually, exclusive};
use shared::{AcademicYear, Date, YearDoc};
use tempfile::TempDir;

fn this_year() -> AcademicYear {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    AcademicYear::of(Date::from_unix_ms(i64::try_from(ms).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protocol_written_offline_reaches_the_district_overview_and_no_other_school() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (district_code, school_head_code) = server.first_invitations();
    let school_head = server.join(&school_head_code, "Руководитель МО школы №1").await;
    let school = school_head.school();

    // The district head joins in the browser and adds a second school.
    let district = Browser::launch(&dir.path().join("district")).await;
    district.join(&server, &district_code, "Петрова Анна Викторовна").await;
    district.wait_text("[data-testid=overview-row]", "Школа №1").await;
    district.go("access").await;
    district.fill("[data-testid=school-form]", &[("name", "Школа №2")]).await;
    assert!(district.submit("[data-testid=school-form]").await.is_empty());
    district.wait_text("[data-testid=school-row]", "Школа №2").await;

    // A member of school №1 opens the app online, then writes a protocol with the server down.
    let code = school_head.invite(&server, "member", Some(school)).await;
    let member = Browser::launch(&dir.path().join("member")).await;
    member.join(&server, &code, "Иванова Мария Петровна").await;
    member.go("protocols").await;
    member.wait_text("[data-testid=protocols] .muted", "Протоколов пока нет").await;
    member.wait_sync("сохранено на сервере").await;
    server.stop().await;
    member.wait_sync("нет связи").await;
    member.click_css("[data-testid=protocols] [data-testid=add]").await;
    member.save("[data-testid=add-form]", &[("theme", "Планирование работы на год")]).await;
    member.wait_text("[data-testid=protocol-title]", "Протокол № 1").await;
    server.resume().await;
    member.wait_sync("сохранено на сервере").await;

    // The district head sees it counted, and opens the school read-only.
    district.go("district").await;
    let meetings = eventually("the protocol in the overview", || async {
        district
            .texts("[data-testid=overview-row][data-school='Школа №1'] [data-testid=meetings]")
            .await
            .into_iter()
            .find(|t| t.starts_with("1 из"))
    })
    .await;
    assert_eq!(meetings, "1 из 0");
    district.click_css("[data-testid=overview-row][data-school='Школа №1'] [data-testid=open-school]").await;
    district.wait_text("[data-testid=viewing-school]", "только просмотр").await;
    district.click_css("[data-testid=nav-protocols]").await;
    district.wait_text("[data-testid=protocol-theme]", "Планирование работы на год").await;
    assert!(district.texts("[data-testid=protocols] [data-testid=add]").await.is_empty(), "no «Добавить» for a reader");

    // A member of school №2 cannot get school №1's year.
    let token = district.script("return localStorage.getItem('mo.token')").await;
    // gloo-storage keeps values as JSON.
    let token: String = serde_json::from_str(token.as_str().unwrap()).unwrap();
    let district_head = server.device(&token).await;
    let other_school = district_head.me["schools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Школа №2")
        .map(|s| s["id"].as_str().unwrap().parse().unwrap())
        .expect("school №2 exists");
    let stranger = district_head.add_device(&server, "member", Some(other_school), "Учитель школы №2").await;
    let year = YearDoc::id_for(&school, this_year());
    assert!(
        Peer::connect(&server, &stranger).await.fetch(year).await.is_none(),
        "another school's member gets nothing"
    );
    assert!(Peer::connect(&server, &district_head).await.fetch(year).await.is_some(), "the district head reads it");
    member.quit().await;
    district.quit().await;
}
